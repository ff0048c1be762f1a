/**
 * bootlab validate --series S: the pre-merge matrix for the baseline and for S, every job
 * compared with its baseline. The run's gate is "regressions": what counts is what S makes
 * worse (and infrastructure failures), not what already failed without it.
 */
import { jobId, loadMatrix, type JobSpec } from '../../matrix.ts';
import { exitCode } from '../../results/exit.ts';
import { loadStackedSeries } from '../../source/series.ts';
import { UserError } from '../../util/errors.ts';
import type { OptionValues } from '../command.ts';
import { string } from '../options.ts';
import { describeRegressions } from '../printer.ts';
import { jobFilter, profilesOf, runFromCommandLine } from '../run-matrix.ts';
import { parseVariant, variantName } from '../../variant.ts';

export async function run(values: OptionValues): Promise<number> {
  const spec = string(values, 'series');
  if (spec === undefined) throw new UserError('bootlab validate needs --series <name>: the patch series to validate against the baseline.');
  const asked = parseVariant(spec, '--series');
  if (asked.series === undefined) throw new UserError(`--series ${spec} names the baseline: bootlab validate compares a patch series with it. Give the series under test, e.g. --series cma-dynamic-areas (or cma-dynamic-areas@debug).`);
  const series = loadStackedSeries(asked.series);
  const profiles = profilesOf(values);
  // --matrix has a default (cli/commands.ts): parseArgs fills it in.
  const base = loadMatrix(string(values, 'matrix')!, profiles);
  // Every non-baseline job of the pre-merge matrix is run with the series under test instead;
  // "S@debug" runs every job, baselines too, with that config.
  const jobs = new Map<string, JobSpec>();
  for (const j of base.jobs) {
    const was = parseVariant(j.variant, `${base.file}: job ${j.id}`);
    const variant = variantName(was.series === undefined ? undefined : series.name, asked.configGiven ? asked.config : was.config);
    const id = jobId(j.arch, variant, j.profile);
    jobs.set(id, { ...j, id, variant });
  }
  const matrix = { ...base, jobs: [...jobs.values()], gate: 'regressions' as const };
  const { summary } = await runFromCommandLine(values, { matrix, profiles, series: new Map([[series.name, series]]), filter: jobFilter(values) });
  process.stdout.write(describeRegressions(summary));
  return exitCode(summary);
}
