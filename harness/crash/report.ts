/**
 * Crash reports as a kernel developer reads them: one text block per report, with source
 * lines once crash/symbolize.ts has added them, and the same crash seen across many jobs
 * folded into one line. Pure: reports in, text out.
 */
import { plural } from '../util/text.ts';
import type { CodeLocation, CrashKind, CrashReport, SourceLine, StackFrame } from './types.ts';

/** `f+0x50/0x188 [mod]` as the kernel prints it, or `[<c0b0a2f8>]` without KALLSYMS. */
export function formatLocation(loc: CodeLocation): string {
  if (loc.function === undefined) return loc.address !== undefined ? `[<${loc.address}>]` : '(unknown)';
  const off = loc.offset !== undefined ? `+0x${loc.offset.toString(16)}${loc.size !== undefined ? `/0x${loc.size.toString(16)}` : ''}` : '';
  return `${loc.function}${off}${loc.module !== undefined ? ` [${loc.module}]` : ''}`;
}

const at = (s: SourceLine): string => `${s.file}:${s.line}`;

/**
 * The line in the printed function itself: for code inlined into it, the line of the inlined
 * call (the last of addr2line's "inlined by" chain), otherwise the line at the address.
 */
export function ownSourceLine(loc: CodeLocation): SourceLine | undefined {
  const s = loc.source;
  if (s === undefined) return undefined;
  const own = s.inlined.at(-1) ?? s;
  return { file: own.file, line: own.line };
}

/** The frame the title names: the first reliable frame of the guilty function (or pc/lr). */
export function guiltyFrame(report: CrashReport): CodeLocation | undefined {
  const fn = report.guiltyFunction;
  if (fn === undefined) return undefined;
  return report.frames.find((f) => f.reliable && f.function === fn) ?? [report.pc, report.lr].find((l) => l?.function === fn);
}

/** "pc: __memset+0x16c/0x188 at arch/arm64/lib/memset.S:170 (inlined from ...)". */
function describeRegisterTarget(loc: CodeLocation): string {
  const own = ownSourceLine(loc);
  const s = loc.source;
  const inner = s !== undefined && s.inlined.length > 0 ? `, in inlined ${s.function} at ${at(s)}` : '';
  return `${formatLocation(loc)}${own ? ` at ${at(own)}` : ''}${inner}`;
}

/**
 * A trace in syzkaller's layout: a frame's inlined functions come above it, innermost first,
 * each tagged [inline], and the frame itself shows the line in its own function.
 */
function traceLines(frames: readonly StackFrame[]): string[] {
  const rows: [string, string][] = [];
  for (const f of frames) {
    const s = f.source;
    const text = `${f.reliable ? '' : '? '}${formatLocation(f)}`;
    if (s === undefined) {
      rows.push([text, '']);
      continue;
    }
    if (s.inlined.length > 0) {
      rows.push([s.function, `${at(s)} [inline]`]);
      for (const c of s.inlined.slice(0, -1)) rows.push([c.function, `${at(c)} [inline]`]);
    }
    rows.push([text, at(ownSourceLine(f)!)]);
  }
  const width = Math.min(48, Math.max(0, ...rows.filter(([, where]) => where !== '').map(([t]) => t.length)));
  return rows.map(([t, where]) => (where === '' ? `  ${t}` : `  ${t.padEnd(width)}  ${where}`));
}

/** Registers four to a row, in the order the kernel printed them. */
function registerLines(registers: Readonly<Record<string, string>>): string[] {
  const cells = Object.entries(registers);
  const nameWidth = Math.max(0, ...cells.map(([n]) => n.length));
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += 4) {
    lines.push(`  ${cells.slice(i, i + 4).map(([n, v]) => `${n.padEnd(nameWidth)} ${v}`).join('  ')}`);
  }
  return lines;
}

function taskLine(r: CrashReport): string | undefined {
  const parts = [
    r.cpu !== undefined ? `CPU ${r.cpu}` : undefined,
    r.pid !== undefined ? `PID ${r.pid}${r.comm !== undefined ? ` (${r.comm})` : ''}` : undefined,
    r.taint === undefined ? undefined : r.taint === '' ? 'not tainted' : `tainted ${r.taint}`,
    r.kernelVersion !== undefined ? `kernel ${r.kernelVersion}` : undefined,
  ].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** One report as a readable block: title, facts, guilty frame, trace, registers, raw lines. */
export function formatCrashText(report: CrashReport): string {
  const facts: [string, string | undefined][] = [
    ['kind', report.kind],
    ['guilty frame', guiltyText(report)],
    ['corrupted', report.corrupted ? (report.corruptedReason ?? 'the report is incomplete') : undefined],
    ['fault address', report.faultAddress],
    ['panic', report.panic],
    ['task', taskLine(report)],
    ['pc', report.pc && describeRegisterTarget(report.pc)],
    ['lr', report.lr && describeRegisterTarget(report.lr)],
  ];
  const lines = [report.title];
  for (const [name, value] of facts) if (value !== undefined) lines.push(`  ${`${name}:`.padEnd(15)}${value}`);
  lines.push('Call trace:', ...(report.frames.length > 0 ? traceLines(report.frames) : ['  (none in the log)']));
  const registers = registerLines(report.registers);
  if (registers.length > 0) lines.push('Registers:', ...registers);
  lines.push(`Log, lines ${report.startLine}-${report.endLine}:`, ...report.excerpt.map((l) => `  ${l}`));
  return lines.join('\n');
}

function guiltyText(report: CrashReport): string {
  if (report.guiltyFunction === undefined) return '(unknown: no frame outside the fault and dump plumbing)';
  const frame = guiltyFrame(report);
  const own = frame && ownSourceLine(frame);
  if (own) return `${report.guiltyFunction} at ${at(own)}`;
  return frame ? formatLocation(frame) : report.guiltyFunction;
}

/** The reports of one title over many jobs. */
export interface CrashGroup {
  readonly title: string;
  readonly kind: CrashKind;
  /** Jobs with at least one report of this title, each once, in the order first seen. */
  readonly jobs: readonly string[];
  /** Reports of this title over all jobs (one job can print the same crash twice). */
  readonly count: number;
  /** The first report of this title, to show as the example. */
  readonly example: CrashReport;
}

/** Reports grouped by title, the title seen on most jobs first (ties in the order first seen). */
export function groupByTitle(items: readonly { readonly job: string; readonly report: CrashReport }[]): CrashGroup[] {
  const groups = new Map<string, { title: string; kind: CrashKind; jobs: Set<string>; count: number; example: CrashReport }>();
  for (const { job, report } of items) {
    const g = groups.get(report.title);
    if (g) {
      g.jobs.add(job);
      g.count++;
    } else {
      groups.set(report.title, { title: report.title, kind: report.kind, jobs: new Set([job]), count: 1, example: report });
    }
  }
  return [...groups.values()]
    .map((g) => ({ ...g, jobs: [...g.jobs] }))
    .sort((a, b) => b.jobs.length - a.jobs.length);
}

/** A terminal line can hold only so many job names; the JSON output keeps them all. */
const JOBS_NAMED = 20;

/** "seen on 3 jobs: a, b, c" */
export function formatSeenOn(group: CrashGroup): string {
  const n = group.jobs.length;
  const named = group.jobs.slice(0, JOBS_NAMED).join(', ');
  const more = n > JOBS_NAMED ? `, and ${n - JOBS_NAMED} more` : '';
  return `seen on ${plural(n, 'job')}: ${named}${more}`;
}

/** Each title with the jobs it was seen on. */
export function formatGroups(groups: readonly CrashGroup[]): string {
  return groups.map((g) => `${g.title}\n  ${formatSeenOn(g)}${g.count > g.jobs.length ? ` (${g.count} reports)` : ''}`).join('\n');
}
