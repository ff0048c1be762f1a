/**
 * The exit code of every command that runs jobs (run, repro, validate, boot) or reads a run
 * back (merge, report <run-dir>): one rule, over the result model. Pure.
 *
 *   0  nothing the run's gate counts failed
 *   1  something it counts failed: a job not as expected (gate "expectations"), or a
 *      regression of the series under test (gate "regressions", bootlab validate)
 *   3  everything it counts is an infrastructure error (QEMU killed from outside, a guest
 *      that lost its report), after retries
 *
 * bootlab build, which boots nothing, exits 1 when a build failed (buildExitCode).
 *
 * 2 (a user error) and 3 for an infrastructure error that stops the run (a full disk) come
 * from the error's class (util/errors.ts); 130 and 143 from SIGINT and SIGTERM.
 */
import { EXIT } from '../util/errors.ts';
import type { JobRecord, RunSummary } from './model.ts';

/** The jobs that count against the run under its gate. */
export function failures(summary: RunSummary): JobRecord[] {
  if (summary.gate === 'expectations') return summary.jobs.filter((j) => !j.asExpected);
  // Under "regressions" a job counts when the series made it worse than its baseline (a new
  // crash title counts even beside an expected crash), or when the machine failed it or it
  // never ran: that proves nothing either way, and the run must not pass silently.
  const regressed = new Set(summary.comparisons.filter((c) => c.class === 'regression').map((c) => c.job));
  return summary.jobs.filter((j) => regressed.has(j.id) || (!j.asExpected && (j.verdict === 'infra-error' || j.verdict === 'not-run')));
}

export function buildExitCode(builds: readonly { readonly ok: boolean }[]): number {
  return builds.every((b) => b.ok) ? EXIT.ok : EXIT.failed;
}

export function exitCode(summary: RunSummary): number {
  const counted = failures(summary);
  if (counted.length === 0) return EXIT.ok;
  return counted.every((j) => j.verdict === 'infra-error') ? EXIT.infrastructure : EXIT.failed;
}
