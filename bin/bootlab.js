#!/usr/bin/env node
// Entry point: run the compiled command line (bin/compiled.js compiles it when a source changed).
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { compiledMain } from './compiled.js';
import { sourceStack } from './stack.js';

// A bug in bootlab: its stack, in TypeScript lines, and exit 1 as Node would (the exit
// handler kills every child bootlab started).
const bug = (error) => {
  writeSync(2, `${sourceStack(error)}\n`);
  process.exit(1);
};
process.on('uncaughtException', bug);
process.on('unhandledRejection', bug);
const { main } = await import(pathToFileURL(await compiledMain()).href);
const code = await main(process.argv.slice(2)).catch(bug);
// Exit now rather than when the event loop drains: after a fatal error other jobs may still
// be running, and the exit handler kills every child bootlab started. Pipes are written
// asynchronously on POSIX, so let stdout and stderr drain first.
await new Promise((resolve) => process.stdout.write('', resolve));
await new Promise((resolve) => process.stderr.write('', resolve));
process.exit(code);
