#!/usr/bin/env node
// Entry point: load the TypeScript sources through tsx so there is no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli/main.ts');
const code = await main(process.argv.slice(2));
// Exit now rather than when the event loop drains: after a fatal error other jobs may still
// be running, and the exit handler kills every child bootlab started. Pipes are written
// asynchronously on POSIX, so let stdout and stderr drain first.
await new Promise((resolve) => process.stdout.write('', resolve));
await new Promise((resolve) => process.stderr.write('', resolve));
process.exit(code);
