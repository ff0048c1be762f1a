/**
 * Judge jobs against their expectations and compare each patched variant with its
 * baseline. Pure: records in, verdicts out.
 */
import { cmaProblems, type CmaCheck } from '../cma/check.ts';
import type { CrashReport } from '../crash/types.ts';
import { formatTally, jobSignature } from './tally.ts';
import { baselineOf, isBaseline } from '../variant.ts';
import { crashesOf, isBooted, type Comparison, type ComparisonClass, type Expectation, type JobRecord, type JobVerdict, type RunSummary } from './model.ts';

/** What judging a job looks at: its verdict, and for a boot its crashes and CMA check. */
export interface Observed {
  readonly verdict: JobVerdict;
  readonly reason: string;
  readonly crashes?: readonly CrashReport[];
  readonly cma?: CmaCheck;
}

/** Why the observed outcome differs from the expectation; empty when it does not. */
export function judge(expected: Expectation, o: Observed): string[] {
  const cma = judgeCma(expected, o);
  return [...judgeBoot(expected, o), ...(cma !== undefined ? [cma] : [])];
}

/** The boot half: its verdict and, for an expected crash, its title. */
export function judgeBoot(expected: Expectation, o: Observed): string[] {
  const problems: string[] = [];
  if (o.verdict !== expected.verdict) problems.push(`verdict ${o.verdict} (${o.reason}), expected ${expected.verdict}${expected.why ? ` (${expected.why})` : ''}`);
  const crashes = o.crashes ?? [];
  if (expected.title !== undefined && !crashes.some((c) => c.title === expected.title)) {
    const seen = crashes.map((c) => `"${c.title}"`).join(', ') || 'no crash report';
    problems.push(`expected crash "${expected.title}", saw ${seen}`);
  }
  return problems;
}

/**
 * The CMA half, or undefined when it is as expected or not judged: the CMA state is read only
 * from a guest that booted to its report (verdict pass), and "any" is not judged.
 */
export function judgeCma(expected: Expectation, o: Observed): string | undefined {
  if (o.verdict !== 'pass' || !o.cma) return undefined;
  if (expected.cma === 'ok' && !o.cma.ok) return `CMA check failed: ${cmaProblems(o.cma).join('; ')}`;
  if (expected.cma === 'slot-error' && o.cma.kernel.slotErrors === 0) return 'expected "Not enough slots for CMA reserved regions!", the kernel did not print it';
  return undefined;
}

const titles = (j: JobRecord): Set<string> => new Set(crashesOf(j).map((c) => c.title));

/** A job whose outcome says nothing about the kernel: it did not run, or the machine failed it. */
const noEvidence = (j: JobRecord): boolean => j.verdict === 'not-run' || j.verdict === 'infra-error';

/** Classify every (arch, profile) that has a baseline and another variant, each compared with the baseline of its config. */
export function compare(jobs: readonly JobRecord[]): Comparison[] {
  const out: Comparison[] = [];
  const key = (arch: string, profile: string, baseline: string): string => `${arch}/${profile}/${baseline}`;
  const baselines = new Map(jobs.filter((j) => isBaseline(j.variant)).map((j) => [key(j.arch, j.profile, j.variant), j]));
  for (const p of jobs) {
    if (isBaseline(p.variant)) continue;
    const b = baselines.get(key(p.arch, p.profile, baselineOf(p.variant)));
    // An interrupted run's missing jobs, and an infrastructure failure after its retries, are
    // not evidence either way (the exit code counts the infrastructure failure on its own).
    if (!b || noEvidence(b) || noEvidence(p)) continue;
    // A crash the matrix expects of this variant is not news, whatever the baseline did.
    const newTitles = [...titles(p)].filter((t) => !titles(b).has(t) && t !== p.expected.title);
    let cls: ComparisonClass;
    let reason: string;
    const flaky = [b, p].filter((j) => isBooted(j) && j.flaky);
    if (flaky.length > 0) {
      cls = 'flaky';
      reason = `a retry disagreed: ${flaky.map((j) => `${j.variant} saw ${isBooted(j) ? formatTally(j.tally) : ''}`).join('; ')}`;
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
    } else if (jobSignature(b) === jobSignature(p)) {
      cls = 'still-failing';
      reason = `both ${jobSignature(p)}: baseline: ${b.problems.join('; ')} | ${p.variant}: ${p.problems.join('; ')}`;
    } else {
      // Failing differently is a regression: the series broke something the baseline's own
      // failure did not (a CMA slot error in the baseline, a hang with the series).
      cls = 'regression';
      reason = `fails differently: baseline ${jobSignature(b)}, ${p.variant} ${jobSignature(p)}: ${p.problems.join('; ')}`;
    }
    out.push({ arch: p.arch, profile: p.profile, baseline: b.id, job: p.id, variant: p.variant, class: cls, reason });
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
