/**
 * Crash reports out of a kernel console log, after syzkaller's pkg/report: find each report's
 * header with the table in oopses.ts, follow it to its end marker (or the end of its call
 * trace), fold in the panic it causes, and name it "<kind> in <guilty function>".
 *
 * Pure and linear in the size of the log; never throws, whatever it is given.
 */
import { MAX_LINE, toConsoleLine, type ConsoleLine } from './console.ts';
import {
  BANNER_PANIC,
  BOOT_FRAMES,
  END_PANIC,
  END_TRACE,
  HANG_SKIP,
  HINT,
  IRQ_ENTRY,
  matchHeader,
  ORPHAN_PANIC,
  PLUMBING,
  STALL_ANCHORS,
  SYSCALL_PREFIXES,
  type HeaderMatch,
  type OopsRow,
} from './oopses.ts';
import { TraceReader, TRACE_START, mayHoldRegisters, parsePcLine, pcAddresses, registersOf, startsTraceImplicitly } from './stack.ts';
import type { CodeLocation, CrashReport, StackFrame } from './types.ts';

export type { CodeLocation, CrashKind, CrashReport, StackFrame } from './types.ts';
export { CRASH_KINDS } from './types.ts';

/**
 * The crash header a raw console line carries, if any. The one test for "a crash starts
 * here": the parser below and the streaming console monitor both use it, so the crash the
 * monitor sees first is always the first report the parser returns.
 */
function crashHeader(raw: string): HeaderMatch | undefined {
  // A cheap look at the raw line first: a boot log is almost all lines no header could be.
  if (!HINT.test(raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw)) return undefined;
  return matchHeader(toConsoleLine(raw).text);
}

/**
 * True when a console line starts (or continues) a crash report: for a streaming monitor that
 * wants to know a crash is under way before the whole report has arrived.
 */
export function isCrashLine(line: string): boolean {
  const found = crashHeader(line);
  // A boot banner is a crash (a reboot) only after the kernel has run, which one line cannot tell.
  return found !== undefined && found.row.afterBoot !== true;
}

/**
 * True for panic()'s last line, "---[ end Kernel panic - not syncing: ... ]---". Nothing the
 * kernel prints comes after it, and with panic=-1 this early QEMU just spins: stop it here.
 */
export function isEndOfPanic(line: string): boolean {
  return END_PANIC.test(toConsoleLine(line).text);
}

/** Every crash report in the log, in order. A log without a crash gives []. */
export function parseCrashes(log: string): CrashReport[] {
  return parseCrashLines(log.split('\n'));
}

/** The same, over a console already split into lines (as the console monitor keeps it). */
export function parseCrashLines(console: readonly string[]): CrashReport[] {
  const lines = new ConsoleLines(console);
  const reports: CrashReport[] = [];
  // Whether the kernel has printed past time zero: a boot banner after that is a reboot.
  let kernelRan = false;
  let floor = 0;
  for (let i = 0; i < lines.length; ) {
    const header = lines.header(i);
    if (header === undefined || (header.row.afterBoot === true && !kernelRan)) {
      kernelRan ||= RUNNING.test(console[i]!);
      i++;
      continue;
    }
    const { report, next } = collect(lines, i, header, floor);
    // After a reboot the kernel starts over: its own banner is that boot's, not another reboot.
    kernelRan = report.kind !== 'reboot';
    // A report that is no crash (check_panic_on_warn()'s banner alone, a user-space fault)
    // still claims its lines, so they do not start another report.
    if (!isNoCrash(report)) reports.push(report);
    floor = report.endLine;
    i = Math.max(next, i + 1);
  }
  return reports;
}

/** A printk timestamp past zero: "[   12.345678]", with an optional syslog level before it. */
const RUNNING = /^\s*(?:<\d{1,3}>)?\[ *(?:\d*[1-9]\d*\.\d+|\d+\.\d*[1-9]\d*)\]/;

/**
 * Reports that name no crash of the kernel: the panic_on_warn banner with no warning before
 * it, and an oops whose pc is a user-space address with no kernel frame (the fault was the
 * program's, not the kernel's).
 */
function isNoCrash(r: CrashReport): boolean {
  if (r.kind === 'panic') return BANNER_PANIC.test(r.header);
  if (r.kind !== 'internal-error' && r.kind !== 'oops' && r.kind !== 'unhandled-fault') return false;
  const address = r.pc?.address;
  if (address === undefined || r.pc?.function !== undefined || r.frames.some((f) => f.function !== undefined)) return false;
  return address.length > 8 ? !/^f/i.test(address.padStart(16, '0')) : parseInt(address, 16) < 0x80000000;
}

/**
 * The log's lines, each cleaned and split into a ConsoleLine only when asked for: a boot log
 * is almost all lines no crash header could be, and those only ever see one cheap regexp.
 * (So a NUL or escape sequence in the middle of a header's key words hides that header; the
 * noise a console really carries sits at the start and end of lines.)
 */
class ConsoleLines {
  // Filled with undefined up front: writing far past the end of an empty array would turn it
  // into a slow dictionary.
  private readonly parsed: (ConsoleLine | undefined)[];

  constructor(private readonly raw: readonly string[]) {
    this.parsed = new Array<ConsoleLine | undefined>(this.raw.length).fill(undefined);
  }

  get length(): number {
    return this.raw.length;
  }

  at(i: number): ConsoleLine {
    return (this.parsed[i] ??= toConsoleLine(this.raw[i]!));
  }

  header(i: number): HeaderMatch | undefined {
    return crashHeader(this.raw[i]!);
  }
}

/** The "cut here" line __warn and the arm fault path print first, and KASAN's opening rule. */
const CUT_HERE = /^(?:-{5,}\[ cut here \]-{5,}|8<-{3} cut here -{3}|={20,})\s*$/;
/** A report that has not reached its end after this many lines was cut short. */
const MAX_REPORT_LINES = 800;
/** How far after a finished report its panic may still come (x86 repeats the registers first). */
const TAIL_WINDOW = 50;
/**
 * Lines a report is made of, beyond frames and registers. When a report is cut short it ends at
 * the last of these, so boot chatter after a truncated oops is not swallowed.
 */
const REPORT_LINE =
  /^\s*(?:Mem abort info|Data abort info|[A-Z]{2,4}2? = |Internal error|Oops|Modules linked in|CPU: |Hardware name|Workqueue|pstate|[pl][cr] :|sp :|PC is at|LR is at|Flags:|Control:|Register r\d+ information|Process |Stack|Call [Tt]race|Backtrace|Code:|Exception stack|#PF:|PGD |RIP:|Read of size|Write of size|The buggy address|Allocated by task|Freed by task|Last potentially|Memory state around|epc|ra |Status:|Cause |BadVA|PrId|Hi |Lo |\$ ?\d|task:|Task dump|Not tainted|Tainted:|"echo 0|irq event stamp|hardirqs last|softirqs last|Kernel Offset|SMP: stopping|CPU features|Memory Limit|Rebooting in|note: |Fixing recursive fault|rcu: |\(t=|Sending NMI|NMI backtrace|\[[0-9a-f]+\] |user pgtable|swapper pgtable|pgd = |---\[ end)/;

type Phase = 'body' | 'tail' | 'panic';

/**
 * Follow one report from its header. Returns the report and the line the scan resumes at.
 *
 * Phases: 'body' until the report's own end (its end marker, or for 'trace' rows the end of
 * the first call trace); then 'tail', a short window in which the panic this crash causes may
 * still arrive; 'panic' once a panic is folded in, until "---[ end Kernel panic".
 */
function collect(lines: ConsoleLines, start: number, header: HeaderMatch, floor: number): { report: CrashReport; next: number } {
  const row = header.row;
  const context = lines.at(start).caller;
  const builder = new ReportBuilder(header, lines.at(start).text);
  const included: number[] = [];
  // The line before the header, when it is the cut-here marker and not the previous report's
  // last line (KASAN's closing rule directly followed by the next KASAN report). `floor` is
  // that last line, 1-based, i.e. the index of the first line still free.
  const previous = start - 1 >= floor ? lines.at(start - 1) : undefined;
  if (previous !== undefined && previous.caller === context && CUT_HERE.test(previous.text)) included.push(start - 1);
  included.push(start);

  let phase: Phase = 'body';
  let continued = false;
  let ownEnd = false; // the report reached its end marker or finished its trace
  let lastUseful = start; // where a report that is cut short ends
  let tailFrom = -1;
  let pending: number[] = [];
  let next = lines.length;

  if (row.end === 'header') return { report: builder.build(lines, included, true), next: start + 1 };

  const take = (j: number, text: string): void => {
    included.push(j);
    if (builder.feed(text, j) || REPORT_LINE.test(text)) lastUseful = j;
  };
  const cutShort = (): void => {
    while (included.length > 1 && included.at(-1)! > lastUseful) included.pop();
  };

  let j = start + 1;
  for (; j < lines.length; j++) {
    const line = lines.at(j);
    const found = lines.header(j);
    const panic = found?.row.kind === 'panic' ? found : undefined;
    // With CONFIG_PRINTK_CALLER, lines of another task or CPU are interleaved, not ours. Headers
    // are never skipped: a panic is ours wherever it runs, and another crash ends this report.
    if (context !== undefined && line.caller !== undefined && line.caller !== context && found === undefined) continue;

    if (phase === 'tail') {
      if (panic && row.panics?.test(panic.groups[1] ?? '')) {
        for (const p of pending) take(p, lines.at(p).text);
        pending = [];
        take(j, line.text);
        builder.foldPanic(panic);
        phase = 'panic';
        continue;
      }
      if (found !== undefined || j - tailFrom > TAIL_WINDOW) break;
      pending.push(j);
      continue;
    }

    if (phase === 'panic') {
      if (found !== undefined && panic === undefined) {
        cutShort();
        next = j;
        break;
      }
      take(j, line.text);
      if (END_PANIC.test(line.text)) {
        lastUseful = j;
        next = j + 1;
        break;
      }
      if (j - start > MAX_REPORT_LINES) {
        cutShort();
        next = lastUseful + 1;
        break;
      }
      continue;
    }

    // phase === 'body'
    if (found !== undefined) {
      if (panic !== undefined && row.panics?.test(panic.groups[1] ?? '')) {
        take(j, line.text);
        builder.foldPanic(panic);
        phase = 'panic';
        continue;
      }
      // Each oops prints one second header ("Internal error: Oops", x86's "Oops:", mips'
      // "Oops[#1]:"), and before its registers; another one is another oops.
      if (found.row.continues?.includes(row.kind) && !continued && !builder.traceStarted) {
        take(j, line.text);
        continued = true;
        continue;
      }
      cutShort();
      next = j;
      break;
    }
    if (j - start > MAX_REPORT_LINES) {
      cutShort();
      next = lastUseful + 1;
      break;
    }
    take(j, line.text);
    // 'trace' rows print no end marker, but a stray one still closes them.
    const marker = typeof row.end === 'string' ? END_TRACE : row.end;
    if (marker.test(line.text)) {
      ownEnd = true;
      lastUseful = j;
      phase = 'tail';
      tailFrom = j;
      continue;
    }
    if (row.end === 'trace' && builder.traceDone) {
      // The line that ended the trace is not part of it: it and whatever came between wait in
      // the tail for a panic to claim them.
      ownEnd = true;
      tailFrom = builder.traceLastLine;
      while (included.length > 1 && included.at(-1)! > tailFrom) pending.unshift(included.pop()!);
      lastUseful = tailFrom;
      phase = 'tail';
    }
  }

  if (j >= lines.length) {
    // End of log: a report still in its body was truncated; trailing lines that are not
    // report lines (a QEMU message, a shell prompt) are not part of it.
    if (phase !== 'tail') cutShort();
    next = lines.length;
  }
  if (phase === 'tail') {
    // The tail held no panic of ours: the report ends with its own end, and the scan goes on
    // right after it so nothing in the window is missed.
    next = tailFrom + 1;
  }

  return {
    report: builder.build(lines, included, ownEnd),
    next: Math.max(next, start + 1),
  };
}

/** One report's facts, accumulated line by line. */
class ReportBuilder {
  private readonly row: OopsRow;
  private readonly groups: readonly (string | undefined)[];
  private readonly headerText: string;
  private trace: TraceReader | undefined;
  /** True once a call trace has started (and register dumps are behind us). */
  traceStarted = false;
  /** True once the first call trace with frames has ended. */
  traceDone = false;
  traceLastLine = -1;
  frames: readonly StackFrame[] = [];
  private pc: CodeLocation | undefined;
  private lr: CodeLocation | undefined;
  private readonly pcAddr: { pc?: string; lr?: string } = {};
  private readonly registers: Record<string, string> = {};
  private cpu: number | undefined;
  private pid: number | undefined;
  private comm: string | undefined;
  private taint: string | undefined;
  private kernelVersion: string | undefined;
  private faultAddress: string | undefined;
  private detail: string | undefined;
  private panicMessage: string | undefined;
  /** Functions named by the report's frameLines, in order. */
  private readonly named: string[] = [];
  /** Index in `frames` of the first frame that cannot be right, -1 when none. */
  private garbledAt = -1;

  constructor(header: HeaderMatch, text: string) {
    this.row = header.row;
    this.groups = header.groups;
    this.headerText = text;
    this.feedFacts(text);
    if (this.row.traceStart === 'header') this.startTrace();
  }

  private startTrace(): void {
    this.traceStarted = true;
    this.trace = new TraceReader();
  }

  /** Feed one line of the report. Returns true when the line was recognised as report content. */
  feed(text: string, index: number): boolean {
    if (this.trace !== undefined) {
      const verdict = this.trace.feed(text, index);
      if (verdict === 'part') return true;
      if (verdict === 'foreign') return false;
      this.endTrace();
    }
    if (!this.traceDone) {
      const own = this.row.traceStart instanceof RegExp && this.row.traceStart.test(text);
      if (own || TRACE_START.test(text)) {
        this.startTrace();
        this.trace!.lastLine = index;
        return true;
      }
      if (startsTraceImplicitly(text)) {
        this.startTrace();
        this.trace!.feed(text, index);
        return true;
      }
    }
    return this.feedFacts(text);
  }

  /** A header that continues or ends the report closes any trace in progress. */
  endTrace(): void {
    const trace = this.trace;
    if (trace === undefined) return;
    this.trace = undefined;
    if (trace.frames.length > 0 && !this.traceDone) {
      this.frames = trace.frames;
      this.garbledAt = trace.garbledAt;
      this.traceDone = true;
      this.traceLastLine = trace.lastLine;
    }
  }

  foldPanic(panic: HeaderMatch): void {
    this.endTrace();
    this.panicMessage ??= (panic.groups[1] ?? '').trim();
  }

  private feedFacts(text: string): boolean {
    let known = false;
    if (this.row.frameLines !== undefined && !this.traceStarted) {
      const m = this.row.frameLines.exec(text);
      if (m?.[1] !== undefined) {
        this.named.push(m[1]);
        known = true;
      }
    }
    // The machine state of interest is the first dump; x86 repeats RIP and the registers after
    // the end marker and the panic dumps its own stack, neither of which may overwrite it.
    if (!this.traceStarted && mayHoldRegisters(text)) {
      const pcLine = parsePcLine(text);
      if (pcLine !== undefined) {
        if (pcLine.reg === 'pc') this.pc ??= pcLine.loc;
        else this.lr ??= pcLine.loc;
        known = true;
      }
      if (text.includes(': [<')) {
        const addrs = pcAddresses(text);
        if (addrs.pc !== undefined) this.pcAddr.pc ??= addrs.pc;
        if (addrs.lr !== undefined) this.pcAddr.lr ??= addrs.lr;
      }
      for (const [name, value] of registersOf(text)) {
        if (!Object.hasOwn(this.registers, name)) this.registers[name] = value;
        known = true;
      }
    }
    // Substring checks first: every line of a report passes through here.
    if (this.cpu === undefined && text.includes('PID: ')) {
      const cpu = CPU_LINE.exec(text);
      if (cpu) {
        this.cpu = Number(cpu[1]);
        this.pid = Number(cpu[2]);
        this.comm = cpu[3];
        this.taint ??= taintLetters(cpu[4]!);
        this.kernelVersion ??= cpu[5];
        known = true;
      }
    }
    if (this.kernelVersion === undefined && text.includes('ainted')) {
      const t = TAINT_LINE.exec(text);
      if (t) {
        this.taint = taintLetters(t[1]!);
        this.kernelVersion = t[2];
      }
    }
    if (this.comm === undefined && text.startsWith('task:')) {
      const task = TASK_LINE.exec(text);
      if (task) {
        this.comm = task[1];
        this.pid = Number(task[2]);
      }
    }
    if (this.faultAddress === undefined && FAULT_HINT.test(text)) {
      for (const re of FAULT_ADDRESS) {
        const m = re.exec(text);
        if (m) {
          this.faultAddress = m[1];
          break;
        }
      }
    }
    if (this.detail === undefined && this.row.detail !== undefined) {
      const m = this.row.detail.exec(text);
      if (m) this.detail = m[1];
    }
    return known;
  }

  build(lines: ConsoleLines, included: readonly number[], endSeen: boolean): CrashReport {
    this.endTrace();
    const first = included[0]!;
    const last = included.at(-1)!;
    // A 'trace' row ends with its call trace: having one is having its end.
    const ownEnd = endSeen || (this.row.end === 'trace' && this.frames.length > 0);
    const row = this.row;
    const pc = withAddress(this.pc, this.pcAddr.pc);
    const lr = withAddress(this.lr, this.pcAddr.lr);
    const choice = chooseGuilty(row, this.groups, this.named, pc, lr, this.frames, this.garbledAt);
    const guilty = choice.garbled ? undefined : choice.function;
    const title = renderTitle(row.title, this.groups, choice.garbled ? 'corrupted' : guilty, this.detail);

    let corruptedReason: string | undefined;
    if (row.kind === 'panic' && ORPHAN_PANIC.test(this.groups[1] ?? '')) {
      corruptedReason = 'this panic follows a crash whose report is missing from the log';
    } else if (choice.garbled) {
      corruptedReason = `the call trace cannot be trusted: ${choice.garbled}`;
    } else if (row.noStack === true) {
      // Nothing to miss: the report has no call trace by nature.
    } else if (this.frames.length === 0) {
      corruptedReason = 'the report has no call trace';
    } else if (!ownEnd && !(this.panicMessage !== undefined && row.panicsBeforeEnd === true)) {
      corruptedReason = 'the report stops before its end marker';
    }

    const report: Mutable<CrashReport> = {
      kind: row.kind,
      title,
      header: this.headerText,
      corrupted: corruptedReason !== undefined,
      frames: this.frames,
      registers: { ...this.registers },
      startLine: first + 1,
      endLine: last + 1,
      excerpt: included.map((k) => lines.at(k).clean),
    };
    if (guilty !== undefined) report.guiltyFunction = guilty;
    if (corruptedReason !== undefined) report.corruptedReason = corruptedReason;
    if (this.panicMessage !== undefined && row.kind !== 'panic') report.panic = this.panicMessage;
    if (this.faultAddress !== undefined) report.faultAddress = this.faultAddress;
    if (pc !== undefined) report.pc = pc;
    if (lr !== undefined) report.lr = lr;
    if (this.cpu !== undefined) report.cpu = this.cpu;
    if (this.pid !== undefined) report.pid = this.pid;
    if (this.comm !== undefined) report.comm = this.comm;
    if (this.taint !== undefined) report.taint = this.taint;
    if (this.kernelVersion !== undefined) report.kernelVersion = this.kernelVersion;
    return report;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * "CPU: 0 PID: 0 Comm: swapper Not tainted 6.1.0 #1", with 6.10's "UID: 0" and taint flags
 * ("Tainted: G        W          6.1.0 #1"). The release is the word before " #".
 */
const CPU_LINE = /CPU: (-?\d+) (?:UID: \d+ )?PID: (\d+) Comm: (.*?) (Not tainted|Tainted: [A-Z ]*?)\s+([^\s#]\S*)(?:\s+#|\s*$)/;
/** The hung-task report prints taint and release on a line of their own. */
const TAINT_LINE = /^\s+(Not tainted|Tainted: [A-Z ]*?)\s+([^\s#]\S*)(?:\s+#|\s*$)/;
/** sched_show_task(): "task:kworker/u4:1 state:D stack:0 pid:45 ...". */
const TASK_LINE = /^task:(\S+)\s+state:\S+.*?\bpid:\s*(\d+)/;
const FAULT_HINT = /addr|request at|dereference at|Unhandled fault|BadVA|CR2/;
const FAULT_ADDRESS: readonly RegExp[] = [
  /Unable to handle kernel .*? at virtual address (?:0x)?([0-9a-f]+)/,
  /(?:page fault for address|NULL pointer dereference, address|paging request at|NULL pointer dereference at):? (?:0x)?([0-9a-f]+)/,
  /^Unhandled fault: .* at 0x([0-9a-f]+)/,
  /^(?:Read|Write) of size \d+ at addr ([0-9a-f]+)/,
  /^BadVA\s*: ([0-9a-f]+)/,
  /^CR2: ([0-9a-f]+)/,
];

function taintLetters(field: string): string {
  return field === 'Not tainted' ? '' : field.replace(/^Tainted:/, '').replace(/\s+/g, '');
}

function withAddress(loc: CodeLocation | undefined, address: string | undefined): CodeLocation | undefined {
  if (address === undefined || loc?.address !== undefined) return loc;
  return { ...(loc ?? {}), address };
}

/** syzkaller strips GCC's clone suffixes: "dump_backtrace.part.0" is dump_backtrace. */
function baseName(fn: string): string {
  const dot = fn.indexOf('.', 1);
  return dot === -1 ? fn : fn.slice(0, dot);
}

/** The name a title uses: without clone suffix and with the shortest syscall-prefix trim ("__x64_sys_ioctl" is "sys_ioctl"). */
function titleName(fn: string): string {
  const base = baseName(fn);
  let best = base;
  for (const prefix of SYSCALL_PREFIXES) {
    if (base.startsWith(prefix) && base.length > prefix.length && base.length - prefix.length < best.length) best = base.slice(prefix.length);
  }
  return best;
}

function isPlumbing(row: OopsRow, fn: string): boolean {
  const base = baseName(fn);
  return PLUMBING.some((re) => re.test(base)) || (row.skip?.some((re) => re.test(base)) ?? false);
}

/** A guilty-function candidate, and where in the call trace it came from (-1: from the header, a named line or pc). */
interface Candidate {
  readonly name: string;
  readonly frame: number;
}

/** The guilty function, or why the trace it would come from cannot be trusted. */
interface Choice {
  readonly function?: string;
  readonly garbled?: string;
}

/**
 * Candidates in order: the function the header names (KASAN, WARNING), the functions the
 * report's own lines name (lockdep's "at:"), where the CPU was, then the trace. The row's
 * extractor picks among those that are not plumbing; when all are plumbing (a crash inside
 * memset called from start_kernel's own code, say) the first candidate stands. A pick from
 * at or past a frame that cannot be right makes the title "... in corrupted".
 */
function chooseGuilty(
  row: OopsRow,
  groups: readonly (string | undefined)[],
  named: readonly string[],
  pc: CodeLocation | undefined,
  lr: CodeLocation | undefined,
  frames: readonly StackFrame[],
  garbledAt: number,
): Choice {
  const traced: Candidate[] = [];
  frames.forEach((f, k) => {
    if (f.reliable && f.function !== undefined) traced.push({ name: f.function, frame: k });
  });
  let candidates: Candidate[] = [];
  const stallCut = row.stall ? lastIndex(traced, (c) => IRQ_ENTRY.test(baseName(c.name))) : -1;
  if (stallCut >= 0) {
    candidates = traced.slice(stallCut + 1);
  } else {
    const fromHeader = row.headerFunction !== undefined ? groups[row.headerFunction] : undefined;
    if (fromHeader !== undefined) candidates.push({ name: fromHeader, frame: -1 });
    for (const name of named) candidates.push({ name, frame: -1 });
    if (pc?.function !== undefined) {
      candidates.push({ name: pc.function, frame: -1 });
      // pc in a leaf helper (a KASAN check, memset): its caller is in lr before any trace,
      // which a leaf call may not show at all.
      if (lr?.function !== undefined && isPlumbing(row, pc.function)) candidates.push({ name: lr.function, frame: -1 });
    }
    candidates.push(...traced);
  }
  const kept = candidates.filter((c) => !isPlumbing(row, c.name));
  let pick: Candidate | undefined;
  if (row.extractor === 'hang') pick = hangFrame(kept);
  else if (row.extractor === 'stall') pick = stallFrame(kept, candidates);
  else pick = kept[0];
  if (pick === undefined) {
    // All plumbing. Where the CPU was (or what the header names) stands; a trace of nothing
    // but plumbing was cut short before the caller, and naming a helper would be wrong.
    pick = candidates.find((c) => c.frame < 0);
    if (pick === undefined && candidates.length > 0) return { garbled: 'every frame of the call trace is plumbing: it stops before the code that called it' };
  }
  if (pick === undefined) return {};
  if (garbledAt >= 0 && pick.frame >= garbledAt) {
    const f = frames[garbledAt]!;
    return { garbled: `frame ${garbledAt + 1} (${f.function ?? f.address ?? '?'}+0x${(f.offset ?? 0).toString(16)}/0x${(f.size ?? 0).toString(16)}) lies outside its function` };
  }
  return { function: titleName(pick.name) };
}

/**
 * syzkaller's hang extractor: a task asleep under rtnl_lock hangs in rtnl_lock, one in any
 * synchronize_*() in synchronize_rcu; otherwise the first frame that is not the scheduler or
 * what the task sleeps in.
 */
function hangFrame(kept: readonly Candidate[]): Candidate | undefined {
  for (const c of kept) {
    if (c.name.includes('rtnl_lock')) return c;
    if (/synchronize_(?:rcu|srcu|net|sched)/.test(c.name)) return { name: 'synchronize_rcu', frame: c.frame };
  }
  return kept.find((c) => !HANG_SKIP.test(baseName(c.name)));
}

/**
 * syzkaller's stall extractor: the frame just inside the first entry point (the syscall, work
 * item or kthread that ran too long). Boot code has no such entry point worth naming
 * (kernel_init runs every initcall), so there, as when no anchor is found, the stall is
 * named after the function the timer interrupted.
 */
function stallFrame(kept: readonly Candidate[], all: readonly Candidate[]): Candidate | undefined {
  if (all.some((c) => BOOT_FRAMES.test(baseName(c.name)))) return kept[0];
  const keep = new Set(kept);
  let previous: Candidate | undefined;
  for (const c of all) {
    const name = titleName(c.name);
    if (STALL_ANCHORS.test(name)) {
      if (name.includes('smp_call_function')) return { name: 'smp_call_function', frame: c.frame };
      return previous ?? (keep.has(c) ? c : kept[0]);
    }
    if (keep.has(c)) previous = c;
  }
  return kept[0];
}

function lastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let k = items.length - 1; k >= 0; k--) if (test(items[k]!)) return k;
  return -1;
}

function renderTitle(template: string, groups: readonly (string | undefined)[], func: string | undefined, detail: string | undefined): string {
  let title = template;
  title = func === undefined ? title.replace(/ in \{func\}/, '') : title.replace('{func}', func);
  title = detail === undefined ? title.replace(/ ?\{detail\}/, '') : title.replace('{detail}', detail);
  title = title.replace(/\{(\d)\}/g, (_, d: string) => groups[Number(d)] ?? '');
  // Strip what differs between runs of the same bug (preempt counts, addresses in brackets).
  return title
    .replace(/\s*\[[0-9a-fx]+\]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

