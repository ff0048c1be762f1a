/**
 * What a boot ended in, as one comparable string (its signature), and how many boots of a job
 * ended each way: bootlab rerun's tally, and what makes a job flaky. Pure.
 */
import type { StopReason } from '../boot/console.ts';
import type { Verdict } from '../boot/verdict.ts';
import type { CmaCheck } from '../cma/check.ts';
import type { CrashReport } from '../crash/types.ts';
import { isBooted, type BootRecord, type JobRecord, type TallyEntry } from './model.ts';

const HANGS: Readonly<Record<StopReason, string>> = {
  stuck: 'stuck vCPU',
  'silent-crash': 'crash in guest memory',
  inactivity: 'silent console',
  timeout: 'boot timeout',
  'poweroff-stuck': 'QEMU did not exit',
  panic: 'panic',
  'crash-quiet': 'crash',
};

/**
 * What a boot ended in: 'crash "<first title>"'; 'hang (stuck vCPU)', with the first fault when
 * the replay found one ('hang (stuck vCPU; Data Abort)'); 'pass' or, when the CMA check found
 * problems, 'pass, cma (missing, slot-error)' with the kinds of problem; 'qemu-error',
 * 'infra-error'. Two boots with the same signature failed the same way: bisection and the
 * baseline/series comparison tell "still failing" from "failing differently" by it.
 */
export function signatureOf(o: {
  readonly verdict: Verdict;
  readonly crashes: readonly CrashReport[];
  readonly stopReason?: StopReason;
  readonly cma?: CmaCheck;
  readonly forensics?: { readonly firstFault?: { readonly exception: string } };
}): string {
  switch (o.verdict) {
    case 'crash':
      return o.crashes[0] ? `crash "${o.crashes[0].title}"` : 'crash';
    case 'hang': {
      const why = [o.stopReason ? HANGS[o.stopReason] : undefined, o.forensics?.firstFault?.exception].filter((w) => w !== undefined);
      return why.length > 0 ? `hang (${why.join('; ')})` : 'hang';
    }
    case 'pass': {
      const kinds = o.cma ? cmaProblemKinds(o.cma) : [];
      return kinds.length > 0 ? `pass, cma (${kinds.join(', ')})` : 'pass';
    }
    default:
      return o.verdict;
  }
}

/** A job's signature: its boot's, or 'build-failed' / 'not-run' when it did not boot. */
export function jobSignature(j: JobRecord): string {
  return isBooted(j) ? signatureOf(j) : j.verdict;
}

/** The kinds of CMA problem, sorted: row statuses, and 'slot-error' for "Not enough slots". */
function cmaProblemKinds(c: CmaCheck): string[] {
  const kinds = new Set<string>(c.rows.filter((r) => r.status !== 'ok').map((r) => r.status));
  if (c.kernel.slotErrors > 0) kinds.add('slot-error');
  if (kinds.size === 0 && !c.ok) kinds.add('other');
  return [...kinds].sort();
}

/** Boots counted by signature, most frequent first (ties in the order first seen). */
export function tallyOf(boots: readonly BootRecord[]): TallyEntry[] {
  const by = new Map<string, { signature: string; count: number; asExpected: boolean }>();
  for (const b of boots) {
    const e = by.get(b.signature);
    if (e) e.count++;
    else by.set(b.signature, { signature: b.signature, count: 1, asExpected: b.asExpected });
  }
  return [...by.values()].sort((a, b) => b.count - a.count);
}

/** Flaky: among the boots the machine did not fail, one ending did what was expected and another did not. */
export function isFlaky(tally: readonly TallyEntry[]): boolean {
  const real = tally.filter((e) => e.signature !== 'infra-error');
  return real.some((e) => e.asExpected) && real.some((e) => !e.asExpected);
}

/** 'crash "BUG: ... in cma_init_reserved_mem" 10/10' or 'pass 7/10, hang (stuck vCPU) 3/10'. */
export function formatTally(tally: readonly TallyEntry[]): string {
  const total = tally.reduce((n, e) => n + e.count, 0);
  return tally.map((e) => `${e.signature} ${e.count}/${total}`).join(', ');
}
