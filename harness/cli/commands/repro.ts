/** bootlab repro <scenario>: a matrix whose expectations are the reproduction; says whether it reproduced. */
import { loadMatrix } from '../../matrix.ts';
import { exitCode } from '../../results/exit.ts';
import { UserError } from '../../util/errors.ts';
import type { OptionValues } from '../command.ts';
import { describeScenario } from '../printer.ts';
import { jobFilter, profilesOf, runFromCommandLine } from '../run-matrix.ts';

export async function run(values: OptionValues, positionals: readonly string[]): Promise<number> {
  if (positionals.length !== 1) throw new UserError('bootlab repro takes one scenario, e.g. repro-arm64-numa-panic.');
  const profiles = profilesOf(values);
  const { summary } = await runFromCommandLine(values, { matrix: loadMatrix(positionals[0]!, profiles), profiles, filter: jobFilter(values) });
  const code = exitCode(summary);
  process.stdout.write(describeScenario(code));
  return code;
}
