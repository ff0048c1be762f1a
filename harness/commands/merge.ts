import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import type { Command } from '../cli/main.ts';
import { UserError } from '../util/errors.ts';
import { parseRunSummary } from '../results/load.ts';
import { mergeSummaries } from '../results/merge.ts';
import type { RunSummary } from '../results/model.ts';
import { writeOutputs } from '../results/write.ts';
import { runExitCode } from '../run/runner.ts';
import { printSummary } from './run.ts';

export function loadRunDir(dir: string): RunSummary {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) throw new UserError(`${dir} is not a bootlab run directory: it has no summary.json.`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseRunSummary(raw, file);
}

export const mergeCommand: Command = {
  summary: 'combine shard runs (--shard K/N) into one summary, JUnit, KCIDB and report',
  options: {
    out: { type: 'string', description: 'directory for the merged results (required)' },
  },
  positionals: '<run-dir>...',
  async run(values, positionals) {
    if (positionals.length === 0) throw new UserError('bootlab merge needs the run directories of the shards.');
    if (typeof values.out !== 'string') throw new UserError('bootlab merge needs --out DIR for the merged results.');
    const out = resolve(values.out);
    mkdirSync(out, { recursive: true });
    const parts = positionals.map((d) => resolve(d)).map((dir) => ({ summary: loadRunDir(dir), prefix: relative(out, dir) }));
    const merged = mergeSummaries(parts, basename(out));
    writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(merged, null, 2)}\n`);
    writeOutputs(merged, out);
    printSummary(merged, out);
    return runExitCode(merged);
  },
};
