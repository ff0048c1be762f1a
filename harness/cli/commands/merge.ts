/** bootlab merge <run-dir>... --out DIR: shard runs combined as if the matrix had run on one machine. */
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { exitCode } from '../../results/exit.ts';
import { loadRunDir } from '../../results/load.ts';
import { mergeSummaries } from '../../results/merge.ts';
import { writeOutputs } from '../../results/write.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import type { OptionValues } from '../command.ts';
import { string } from '../options.ts';
import { describeRun } from '../printer.ts';

export async function run(values: OptionValues, positionals: readonly string[]): Promise<number> {
  if (positionals.length === 0) throw new UserError('bootlab merge needs the run directories of the shards, e.g. bootlab merge results/shard1 results/shard2 --out results/merged.');
  const outOption = string(values, 'out');
  if (outOption === undefined) throw new UserError('bootlab merge needs --out DIR for the merged results.');
  const out = resolve(outOption);
  const parts = positionals.map((d) => resolve(d)).map((dir) => ({ summary: loadRunDir(dir), prefix: relative(out, dir) }));
  mkdirSync(out, { recursive: true });
  const merged = mergeSummaries(parts);
  writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(merged, null, 2)}\n`);
  writeOutputs(merged, out);
  process.stdout.write(`${describeRun(merged, out)}\n`);
  return exitCode(merged);
}
