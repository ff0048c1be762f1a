/**
 * The result model of a run: what summary.json holds and what every output format (JUnit,
 * KCIDB, HTML, Markdown, terminal) is fed from. One source of truth for all of them.
 */
import type { ArchName } from '../arch.ts';
import type { CmaCheck } from '../cma/check.ts';
import type { Verdict } from '../boot/console.ts';
import type { CrashReport } from '../crash/parse.ts';

export const SUMMARY_SCHEMA_VERSION = 1;

/** What a matrix expects of one job. Defaults: verdict pass, cma ok. */
export interface Expectation {
  readonly verdict: Verdict;
  /** For crash verdicts: the crash title that must appear (syzbot style). */
  readonly title?: string;
  /** ok: every expected area present and right; slot-error: the kernel ran out of CMA slots; any: not checked. */
  readonly cma: 'ok' | 'slot-error' | 'any';
  /** Why this outcome is expected (shown next to the job). */
  readonly why?: string;
}

export interface BuildRecord {
  readonly arch: ArchName;
  readonly variant: string;
  readonly ok: boolean;
  readonly how?: 'cached' | 'cold' | 'incremental';
  readonly durationMs: number;
  /** Copied into the run directory. */
  readonly log: string;
  readonly dir: string;
  readonly errors?: readonly string[];
}

export interface JobRecord {
  /** "<arch>-<variant>-<profile>", unique in a run; also the job's directory name. */
  readonly id: string;
  readonly arch: ArchName;
  readonly variant: string;
  readonly profile: string;
  /** 'not-run' when the kernel did not build (or the run was interrupted before the job). */
  readonly verdict: Verdict | 'build-failed' | 'not-run';
  readonly reason: string;
  readonly expected: Expectation;
  readonly asExpected: boolean;
  /** Why the job is not as expected, one line each. Empty when asExpected. */
  readonly problems: readonly string[];
  readonly crashes: readonly CrashReport[];
  readonly cma?: CmaCheck;
  readonly durationMs: number;
  /** Paths relative to the run directory. */
  readonly files: { readonly console?: string; readonly result?: string; readonly crash?: string; readonly cma?: string };
  readonly qemuArgv?: readonly string[];
  /** Attempts made (a retry after an infra-error counts). */
  readonly attempts: number;
  /** The verdict of each attempt, when there was more than one. */
  readonly attemptVerdicts?: readonly string[];
  /** True when attempts disagreed (an infra-error, then a real verdict is not flaky). */
  readonly flaky?: boolean;
}

export type ComparisonClass = 'ok' | 'regression' | 'fixed' | 'still-failing' | 'flaky';

export interface Comparison {
  readonly arch: ArchName;
  readonly profile: string;
  readonly baseline: string;
  readonly variant: string;
  readonly class: ComparisonClass;
  readonly reason: string;
}

export interface RunSummary {
  readonly schema: typeof SUMMARY_SCHEMA_VERSION;
  readonly runId: string;
  readonly matrix: string;
  readonly state: 'complete' | 'interrupted';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly bootlab: { readonly version: string; readonly commit?: string };
  readonly kernel: { readonly version: string; readonly origin: string; readonly sourceHash: string; readonly gitCommit?: string };
  readonly series: readonly { readonly name: string; readonly hash: string; readonly patches: readonly { readonly file: string; readonly sha256: string }[] }[];
  readonly tools: Readonly<Record<string, string>>;
  readonly builds: readonly BuildRecord[];
  readonly jobs: readonly JobRecord[];
  readonly comparisons: readonly Comparison[];
  readonly counts: { readonly jobs: number; readonly asExpected: number; readonly unexpected: number; readonly regressions: number };
}
