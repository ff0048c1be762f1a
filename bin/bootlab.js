#!/usr/bin/env node
// Entry point: load the TypeScript sources through tsx so there is no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli.ts');
process.exitCode = await main(process.argv.slice(2));
