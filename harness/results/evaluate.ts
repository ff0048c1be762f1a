/**
 * Judge jobs against their expectations and compare each patched variant with its
 * baseline. Pure: records in, verdicts out.
 */
import type { CmaCheck } from '../cma/check.ts';
import type { CrashReport } from '../crash/parse.ts';
import type { Comparison, ComparisonClass, Expectation, JobRecord, RunSummary } from './model.ts';

export interface Observed {
  readonly verdict: JobRecord['verdict'];
  readonly reason: string;
  readonly crashes: readonly CrashReport[];
  readonly cma?: CmaCheck;
}

/** Why the observed outcome differs from the expectation; empty when it does not. */
export function judge(expected: Expectation, o: Observed): string[] {
  const problems: string[] = [];
  if (o.verdict !== expected.verdict) problems.push(`verdict ${o.verdict} (${o.reason}), expected ${expected.verdict}${expected.why ? ` (${expected.why})` : ''}`);
  if (expected.title !== undefined && !o.crashes.some((c) => c.title === expected.title)) {
    const seen = o.crashes.map((c) => `"${c.title}"`).join(', ') || 'no crash report';
    problems.push(`expected crash "${expected.title}", saw ${seen}`);
  }
  if (o.verdict === 'pass' && o.cma) {
    if (expected.cma === 'ok' && !o.cma.ok) {
      const rows = o.cma.rows.filter((r) => r.status !== 'ok').map((r) => `${r.area} ${r.status}`);
      problems.push(`CMA check failed: ${[...rows, ...o.cma.problems].join('; ')}`);
    }
    if (expected.cma === 'slot-error' && o.cma.kernel.slotErrors === 0) problems.push('expected "Not enough slots for CMA reserved regions!", the kernel did not print it');
  }
  return problems;
}

const titles = (j: JobRecord): Set<string> => new Set(j.crashes.map((c) => c.title));

/** Classify every (arch, profile) that has a baseline and another variant. */
export function compare(jobs: readonly JobRecord[]): Comparison[] {
  const out: Comparison[] = [];
  const baselines = new Map(jobs.filter((j) => j.variant === 'baseline').map((j) => [`${j.arch}/${j.profile}`, j]));
  for (const p of jobs) {
    if (p.variant === 'baseline') continue;
    const b = baselines.get(`${p.arch}/${p.profile}`);
    // An interrupted run's missing jobs are not evidence either way.
    if (!b || b.verdict === 'not-run' || p.verdict === 'not-run') continue;
    // A crash the matrix expects of this variant is not news, whatever the baseline did.
    const newTitles = [...titles(p)].filter((t) => !titles(b).has(t) && t !== p.expected.title);
    let cls: ComparisonClass;
    let reason: string;
    if (p.flaky || b.flaky) {
      cls = 'flaky';
      reason = `a retry disagreed: ${[b, p].filter((j) => j.flaky).map((j) => `${j.variant} saw ${j.attemptVerdicts?.join(' then ')}`).join('; ')}`;
    } else if (newTitles.length > 0) {
      cls = 'regression';
      reason = `new crash: ${newTitles.map((t) => `"${t}"`).join(', ')}`;
    } else if (b.asExpected && p.asExpected) {
      cls = 'ok';
      reason = `both as expected (${b.verdict} / ${p.verdict})`;
    } else if (b.asExpected) {
      cls = 'regression';
      reason = p.problems.join('; ');
    } else if (p.asExpected) {
      cls = 'fixed';
      reason = `baseline: ${b.problems.join('; ')}`;
    } else {
      cls = 'still-failing';
      reason = `baseline: ${b.problems.join('; ')} | ${p.variant}: ${p.problems.join('; ')}`;
    }
    out.push({ arch: p.arch, profile: p.profile, baseline: b.id, variant: p.variant, class: cls, reason });
  }
  return out;
}

/** The jobs' comparisons and the counts a summary carries, computed one way for runs and merges. */
export function tally(jobs: readonly JobRecord[]): Pick<RunSummary, 'comparisons' | 'counts'> {
  const comparisons = compare(jobs);
  return {
    comparisons,
    counts: {
      jobs: jobs.length,
      asExpected: jobs.filter((j) => j.asExpected).length,
      unexpected: jobs.filter((j) => !j.asExpected).length,
      regressions: comparisons.filter((c) => c.class === 'regression').length,
    },
  };
}
