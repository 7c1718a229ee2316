#!/usr/bin/env node
// mdctl launcher: runs the single-file build (dist/mdctl.mjs, made by `npm run build`), as installed images do.
import '../dist/mdctl.mjs';
