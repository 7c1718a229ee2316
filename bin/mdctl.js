#!/usr/bin/env node
// mdctl launcher: runs the single-file build (dist/mdctl.mjs, made by `npm run build`), as installed images do; src/cli/main.ts says what the build swaps and injects.
import '../dist/mdctl.mjs';
