#!/usr/bin/env node
// Entry point: run the compiled command line (bin/compiled.js compiles it when a source changed).
import { pathToFileURL } from 'node:url';
import { compiledMain } from './compiled.js';

// A bug in bootlab surfaces with a stack that names the TypeScript source lines.
process.setSourceMapsEnabled(true);
const { main } = await import(pathToFileURL(await compiledMain()).href);
const code = await main(process.argv.slice(2));
// Exit now rather than when the event loop drains: after a fatal error other jobs may still
// be running, and the exit handler kills every child bootlab started. Pipes are written
// asynchronously on POSIX, so let stdout and stderr drain first.
await new Promise((resolve) => process.stdout.write('', resolve));
await new Promise((resolve) => process.stderr.write('', resolve));
process.exit(code);
