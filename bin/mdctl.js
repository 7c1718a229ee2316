#!/usr/bin/env node
// mdctl launcher: hands the command line to the compiled CLI entry.
import '../dist/cli/main.js';
