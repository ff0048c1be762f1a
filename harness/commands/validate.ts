import type { Command } from '../cli/main.ts';
import { UserError } from '../util/errors.ts';
import { jobId, loadMatrix } from '../matrix.ts';
import { loadProfiles } from '../boot/profile.ts';
import { loadStackedSeries } from '../source/series.ts';
import { runOptions, runWith } from './run.ts';

export const PREMERGE_MATRIX = 'premerge-cma-dynamic-areas';

export const validateCommand: Command = {
  summary: 'pre-merge validation: baseline vs a series over the pre-merge matrix; exit 1 on any regression',
  options: {
    series: { type: 'string', description: 'the series under test (name under patches/, a+b, or a path)' },
    matrix: { type: 'string', default: PREMERGE_MATRIX, description: 'matrix whose jobs are run for baseline and the series' },
    ...runOptions,
  },
  async run(values) {
    if (typeof values.series !== 'string') throw new UserError('bootlab validate needs --series <name>: the patch series to validate against the baseline.');
    const series = loadStackedSeries(values.series);
    const profiles = loadProfiles();
    const base = loadMatrix(values.matrix as string, profiles);
    // Every non-baseline job of the pre-merge matrix is run with the series under test instead.
    const variant = series.name;
    const jobs = new Map<string, (typeof base.jobs)[number]>();
    for (const j of base.jobs) {
      const v = j.variant === 'baseline' ? 'baseline' : variant;
      const id = jobId(j.arch, v, j.profile);
      jobs.set(id, { ...j, id, variant: v });
    }
    const matrix = { ...base, jobs: [...jobs.values()] };
    const { summary } = await runWith(matrix, values, profiles, new Map([[variant, series]]));
    const regressions = summary.comparisons.filter((c) => c.class === 'regression');
    for (const r of regressions) process.stdout.write(`REGRESSION ${r.arch} ${r.profile}: ${r.reason}\n`);
    if (regressions.length > 0) return 1;
    return summary.jobs.some((j) => j.verdict === 'infra-error' && !j.asExpected) ? 3 : 0;
  },
};
