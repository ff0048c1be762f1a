/**
 * How many times a job boots, and which boot its record reports. Pure.
 *
 * An infra-error (the machine failed, not the kernel) is booted again up to the matrix's
 * `retries`. A real verdict that is not the expected one is confirmed by one more boot, to
 * tell a real failure from a flaky one. The record reports the last real verdict: an
 * infrastructure failure after it does not hide what the kernel did.
 */
import type { Verdict } from '../boot/verdict.ts';

export interface Judged {
  readonly verdict: Verdict;
  /** Whether the boot did what the job expects. */
  readonly ok: boolean;
}

const real = (a: Judged): boolean => a.verdict !== 'infra-error';

/** Whether the job boots once more after these boots. */
export function bootAgain(boots: readonly Judged[], retries: number): boolean {
  const last = boots.at(-1);
  if (last === undefined) return true;
  if (!real(last)) return boots.filter((b) => !real(b)).length <= retries;
  return !last.ok && boots.filter(real).length < 2;
}

/** The index of the boot the job's record reports: the last real one, else the last. */
export function reportedBoot(boots: readonly Judged[]): number {
  for (let i = boots.length - 1; i >= 0; i--) if (real(boots[i]!)) return i;
  return boots.length - 1;
}

/**
 * The boot a repeated job's record reports (bootlab rerun --repeat): the first real one that
 * did not do what was expected, so that one failing boot in ten fails the job; else the last
 * real one.
 */
export function reportedRepeat(boots: readonly Judged[]): number {
  const failed = boots.findIndex((b) => real(b) && !b.ok);
  return failed >= 0 ? failed : reportedBoot(boots);
}
