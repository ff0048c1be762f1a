/**
 * Compare expected CMA areas with what the guest reported and what the kernel said on the
 * console. Pure; the result is a table a kernel developer can read row by row.
 */
import type { GuestReport } from '../boot/guest-report.ts';
import type { CmaExpectation } from './expect.ts';

export const ROW_STATUSES = ['ok', 'missing', 'extra', 'wrong-size', 'wrong-node', 'not-activated', 'alloc-failed'] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

export interface CmaRow {
  readonly area: string;
  readonly status: RowStatus;
  readonly expectedBytes?: number;
  readonly actualBytes?: number;
  readonly expectedNode?: number;
  readonly actualNode?: number;
  readonly detail?: string;
}

export interface KernelCmaLines {
  readonly reserved: readonly { readonly mib: number; readonly base: string }[];
  readonly slotErrors: number;
  readonly notActivated: readonly string[];
  readonly failedToReserve: readonly number[];
}

export interface CmaCheck {
  readonly ok: boolean;
  readonly rows: readonly CmaRow[];
  /** Problems that are not one area's: slot exhaustion, CmaTotal, a missing report. */
  readonly problems: readonly string[];
  readonly kernel: KernelCmaLines;
  readonly expectedTotalBytes: number;
  readonly actualTotalBytes?: number;
}

/** The kernel's own CMA messages among a boot's console lines. */
export function kernelCmaLines(lines: readonly string[]): KernelCmaLines {
  const reserved: { mib: number; base: string }[] = [];
  const notActivated: string[] = [];
  const failedToReserve: number[] = [];
  let slotErrors = 0;
  for (const line of lines) {
    // Every message below has "cma" or "CMA" in it; most lines are left at this test.
    if (!/cma/i.test(line)) continue;
    const r = /cma: Reserved (\d+) MiB at (0x[0-9a-f]+)/.exec(line);
    if (r) reserved.push({ mib: Number(r[1]), base: r[2]! });
    if (line.includes('Not enough slots for CMA reserved regions!')) slotErrors++;
    const n = /CMA area (\S+) could not be activated/.exec(line);
    if (n) notActivated.push(n[1]!);
    const f = /cma: Failed to reserve (\d+) MiB/.exec(line);
    if (f) failedToReserve.push(Number(f[1]));
  }
  return { reserved, slotErrors, notActivated, failedToReserve };
}

function nodeOf(pfn: number, report: GuestReport): number | undefined {
  return report.nodes.find((n) => pfn >= n.startPfn && pfn < n.endPfn)?.id;
}

/** `lines`: the boot's console, for the kernel's own CMA messages. */
export function checkCma(expected: CmaExpectation, report: GuestReport, lines: readonly string[]): CmaCheck {
  const kernel = kernelCmaLines(lines);
  const problems: string[] = [];
  const rows: CmaRow[] = [];
  const page = report.pageSize ?? 4096;
  if (!report.complete) problems.push('no complete guest report: the CMA state could not be read');
  if (kernel.slotErrors > 0) problems.push(`"Not enough slots for CMA reserved regions!" ×${kernel.slotErrors}`);
  for (const mib of kernel.failedToReserve) problems.push(`cma: Failed to reserve ${mib} MiB`);

  const actual = new Map(report.areas.map((a) => [a.name, a]));
  for (const e of expected.areas) {
    const a = actual.get(e.name);
    const base = { area: e.name, expectedBytes: e.bytes, ...(e.node !== undefined ? { expectedNode: e.node } : {}) };
    if (!a) {
      if (report.complete) rows.push({ ...base, status: 'missing', detail: `expected from ${e.origin}` });
      continue;
    }
    const bytes = a.count * page;
    const node = nodeOf(a.basePfn, report);
    const got = { ...base, actualBytes: bytes, ...(node !== undefined ? { actualNode: node } : {}) };
    const alloc = report.alloc[e.name];
    if (a.count === 0 || kernel.notActivated.includes(e.name)) rows.push({ ...got, status: 'not-activated', detail: 'count is 0: the area could not be activated (it straddles a zone boundary?)' });
    else if (bytes !== e.bytes) rows.push({ ...got, status: 'wrong-size' });
    else if (e.node !== undefined && report.nodes.length > 0 && node !== e.node) rows.push({ ...got, status: 'wrong-node' });
    else if (alloc && !alloc.ok) rows.push({ ...got, status: 'alloc-failed', detail: alloc.detail });
    else rows.push({ ...got, status: 'ok' });
  }
  const expectedNames = new Set(expected.areas.map((e) => e.name));
  for (const a of report.areas) {
    if (!expectedNames.has(a.name)) rows.push({ area: a.name, status: 'extra', actualBytes: a.count * page, detail: 'no command-line argument or matrix entry asks for it' });
  }
  const actualTotalBytes = report.cmaTotalKiB !== undefined ? report.cmaTotalKiB * 1024 : undefined;
  if (report.complete && actualTotalBytes !== expected.cmaTotalBytes) {
    problems.push(`CmaTotal is ${(actualTotalBytes ?? 0) / 2 ** 20} MiB, expected ${expected.cmaTotalBytes / 2 ** 20} MiB`);
  }
  return {
    ok: problems.length === 0 && rows.every((r) => r.status === 'ok'),
    rows,
    problems,
    kernel,
    expectedTotalBytes: expected.cmaTotalBytes,
    ...(actualTotalBytes !== undefined ? { actualTotalBytes } : {}),
  };
}

/** What is wrong with a check, one line each: "hugetlb1 not-activated", then the problems that are not one area's. */
export function cmaProblems(c: CmaCheck): string[] {
  return [...c.rows.filter((r) => r.status !== 'ok').map((r) => `${r.area} ${r.status}`), ...c.problems];
}

const mib = (b: number | undefined): string => (b === undefined ? '-' : `${b / 2 ** 20} MiB`);

/** The expected-vs-actual table as text. */
export function formatCmaCheck(c: CmaCheck): string {
  const lines = [`${'area'.padEnd(12)} ${'expected'.padEnd(16)} ${'actual'.padEnd(16)} status`];
  for (const r of c.rows) {
    const exp = `${mib(r.expectedBytes)}${r.expectedNode !== undefined ? ` n${r.expectedNode}` : ''}`;
    const act = `${mib(r.actualBytes)}${r.actualNode !== undefined ? ` n${r.actualNode}` : ''}`;
    lines.push(`${r.area.padEnd(12)} ${exp.padEnd(16)} ${act.padEnd(16)} ${r.status}${r.detail ? ` (${r.detail})` : ''}`);
  }
  lines.push(`CmaTotal: expected ${mib(c.expectedTotalBytes)}, actual ${mib(c.actualTotalBytes)}`);
  for (const p of c.problems) lines.push(`problem: ${p}`);
  return lines.join('\n');
}
