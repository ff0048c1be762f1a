/**
 * Views of a RunSummary that every output format shares: the grid's order, what a cell says,
 * and how a job splits into a boot outcome and a CMA outcome. Pure. Keeping these here means
 * JUnit, Markdown, HTML and KCIDB cannot disagree about what "pass" or "unexpected" means.
 */
import { ARCH_NAMES, type ArchName } from '../arch.ts';
import { cmaProblems } from '../cma/check.ts';
import { groupByTitle, type CrashGroup } from '../crash/report.ts';
import { plural } from '../util/text.ts';
import { isBaseline } from '../variant.ts';
import { judgeBoot, judgeCma } from './evaluate.ts';
import { crashesOf, isBooted, type BuildRecord, type Comparison, type JobRecord, type RunSummary } from './model.ts';


/** Arches present in the run, in the arch table's order (not the order jobs happened to finish). */
export function archesOf(summary: RunSummary): ArchName[] {
  const seen = new Set<ArchName>([...summary.builds.map((b) => b.arch), ...summary.jobs.map((j) => j.arch)]);
  return ARCH_NAMES.filter((a) => seen.has(a));
}

/** Variants present in the run: baselines first, the others in the order the run lists them. */
export function variantsOf(summary: RunSummary): string[] {
  const seen = new Set<string>([...summary.builds.map((b) => b.variant), ...summary.jobs.map((j) => j.variant)]);
  return [...seen].sort((a, b) => Number(isBaseline(b)) - Number(isBaseline(a)));
}

export interface GridRow {
  readonly arch: ArchName;
  readonly profile: string;
  /** Keyed by variant; a variant without a job for this row has no entry. */
  readonly jobs: ReadonlyMap<string, JobRecord>;
}

/** One row per (arch, profile): arches in table order, profiles in the order the matrix listed them. */
export function gridRows(summary: RunSummary): GridRow[] {
  const rows: GridRow[] = [];
  for (const arch of archesOf(summary)) {
    const profiles = [...new Set(summary.jobs.filter((j) => j.arch === arch).map((j) => j.profile))];
    for (const profile of profiles) {
      const jobs = new Map(summary.jobs.filter((j) => j.arch === arch && j.profile === profile).map((j) => [j.variant, j]));
      rows.push({ arch, profile, jobs });
    }
  }
  return rows;
}

export interface Kernel {
  readonly arch: ArchName;
  readonly variant: string;
  /** Undefined when the run stopped before this kernel was built. */
  readonly build?: BuildRecord;
  readonly jobs: readonly JobRecord[];
}

/** Every (arch, variant) kernel of the run, with its build record when there is one. */
export function kernelsOf(summary: RunSummary): Kernel[] {
  const out: Kernel[] = [];
  for (const arch of archesOf(summary)) {
    for (const variant of variantsOf(summary)) {
      const build = summary.builds.find((b) => b.arch === arch && b.variant === variant);
      const jobs = summary.jobs.filter((j) => j.arch === arch && j.variant === variant);
      if (build || jobs.length > 0) out.push({ arch, variant, ...(build ? { build } : {}), jobs });
    }
  }
  return out;
}

/** "2 boots, flaky" when a job was booted more than once; undefined otherwise. */
export function attemptsNote(job: JobRecord): string | undefined {
  if (!isBooted(job) || job.boots.length < 2) return undefined;
  return `${job.boots.length} boots${job.flaky ? ', flaky' : ''}`;
}

/** What a grid cell says, without markers: "pass", "crash: <title>", "hang", "pass, CMA mismatch". */
export function verdictText(job: JobRecord): string {
  if (job.verdict === 'crash') {
    const titles = [...new Set(crashesOf(job).map((c) => c.title))];
    return titles.length > 0 ? `crash: ${titles.join('; ')}` : 'crash';
  }
  if (job.verdict === 'pass' && !job.cma.ok) return job.cma.kernel.slotErrors > 0 ? 'pass, CMA slot error' : 'pass, CMA mismatch';
  return job.verdict;
}

export type OutcomeStatus = 'pass' | 'fail' | 'error' | 'skip';

export interface Outcome {
  readonly status: OutcomeStatus;
  /** One line: why it failed or was skipped, or what passed. */
  readonly message: string;
}

/** The CMA half of a job, as results/evaluate.ts judges it, with what a report says of it. */
export function cmaOutcome(job: JobRecord): Outcome {
  if (job.verdict !== 'pass') {
    const why =
      job.verdict === 'not-run' ? 'the job did not run'
      : job.verdict === 'build-failed' ? 'the kernel did not build'
      : `the boot ended with ${job.verdict}`;
    return { status: 'skip', message: `CMA not checked: ${why}` };
  }
  const c = job.cma;
  if (job.expected.cma === 'any') return { status: 'skip', message: `CMA not judged: the matrix accepts any CMA state (${c.ok ? 'ok' : cmaProblems(c).join('; ')})` };
  const problem = judgeCma(job.expected, job);
  if (problem !== undefined) return { status: 'fail', message: problem };
  if (job.expected.cma === 'slot-error') return { status: 'pass', message: `the kernel ran out of CMA slots, as expected${job.expected.why ? ` (${job.expected.why})` : ''}` };
  return { status: 'pass', message: `${c.rows.length} CMA area(s) as expected` };
}

/**
 * The boot half of a job. A job that is not as expected for a reason the CMA half does not
 * carry fails here, so "not as expected" always shows up as at least one failure.
 */
export function bootOutcome(job: JobRecord): Outcome {
  if (job.verdict === 'not-run') return { status: 'skip', message: `not run: ${job.reason}` };
  if (job.verdict === 'build-failed') return { status: 'error', message: `kernel build failed: ${job.reason}` };
  const e = job.expected;
  const wrongVerdict = judgeBoot(e, job).length > 0;
  const text = `${verdictText(job)} (${job.reason})`;
  if (wrongVerdict || (!job.asExpected && cmaOutcome(job).status !== 'fail')) return { status: 'fail', message: text };
  return { status: 'pass', message: job.verdict === 'pass' ? text : `${text}, as expected${e.why ? `: ${e.why}` : ''}` };
}

/** Crash titles of the run, seen on most jobs first, each with the jobs that saw it. */
export function crashTitles(summary: RunSummary): CrashGroup[] {
  return groupByTitle(summary.jobs.flatMap((j) => crashesOf(j).map((report) => ({ job: j.id, report }))));
}

/** Regressions first: they are what a reviewer must act on. */
export const COMPARISON_ORDER = ['regression', 'flaky', 'still-failing', 'fixed', 'ok'] as const;

export function sortedComparisons(summary: RunSummary): Comparison[] {
  const rank = (c: string): number => COMPARISON_ORDER.indexOf(c as (typeof COMPARISON_ORDER)[number]);
  return summary.comparisons
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c.class) - rank(b.c.class) || a.i - b.i)
    .map(({ c }) => c);
}

export const seconds = (ms: number): number => Math.round(ms) / 1000;

/** "12 jobs, 8 as expected, 4 unexpected, 3 regressions" */
export function countsLine(summary: RunSummary): string {
  const c = summary.counts;
  return `${plural(c.jobs, 'job')}, ${c.asExpected} as expected, ${c.unexpected} unexpected, ${plural(c.regressions, 'regression')}`;
}
