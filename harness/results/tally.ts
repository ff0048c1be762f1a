/**
 * What a boot ended in, as one comparable string (its signature), and how many boots of a job
 * ended each way: bootlab rerun's tally, and what makes a job flaky. Pure.
 */
import type { StopReason } from '../boot/console.ts';
import type { Verdict } from '../boot/verdict.ts';
import type { CrashReport } from '../crash/types.ts';
import type { BootRecord, TallyEntry } from './model.ts';

const HANGS: Readonly<Record<StopReason, string>> = {
  stuck: 'stuck vCPU',
  'silent-crash': 'crash in guest memory',
  inactivity: 'silent console',
  timeout: 'boot timeout',
  'poweroff-stuck': 'QEMU did not exit',
  panic: 'panic',
  'crash-quiet': 'crash',
};

/** 'pass', 'crash "<first title>"', 'hang (stuck vCPU)', 'qemu-error', 'infra-error'. */
export function signatureOf(o: { readonly verdict: Verdict; readonly crashes: readonly CrashReport[]; readonly stopReason?: StopReason }): string {
  switch (o.verdict) {
    case 'crash':
      return o.crashes[0] ? `crash "${o.crashes[0].title}"` : 'crash';
    case 'hang':
      return o.stopReason ? `hang (${HANGS[o.stopReason]})` : 'hang';
    default:
      return o.verdict;
  }
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
