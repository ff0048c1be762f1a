/** bootlab run <matrix>: every job of a matrix file, judged by its expectations. */
import { loadMatrix } from '../../matrix.ts';
import { exitCode } from '../../results/exit.ts';
import { UserError } from '../../util/errors.ts';
import type { OptionValues } from '../command.ts';
import { jobFilter, profilesOf, runFromCommandLine } from '../run-matrix.ts';

export async function run(values: OptionValues, positionals: readonly string[]): Promise<number> {
  if (positionals.length !== 1) throw new UserError('bootlab run takes one matrix: a name under configs/ (e.g. nightly) or a path to a .json file.');
  const profiles = profilesOf(values);
  const { summary } = await runFromCommandLine(values, { matrix: loadMatrix(positionals[0]!, profiles), profiles, filter: jobFilter(values) });
  return exitCode(summary);
}
