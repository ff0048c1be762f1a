/**
 * The console monitor: fed the guest's serial output line by line as it streams (decoded
 * once, by boot.ts), it decides when to stop QEMU, builds the guest's report, and keeps the
 * lines that the crash parser, the CMA check and the verdict then read. Pure (the caller
 * supplies the clock), so every timing rule is testable without a VM.
 */
import { isCrashLine, isEndOfPanic } from '../crash/parse.ts';
import { GuestReportBuilder, type GuestReport } from './guest-report.ts';

export interface MonitorOptions {
  /** No console output for this long means the guest hangs. */
  readonly inactivityMs: number;
  /** The whole boot may take at most this long. */
  readonly timeoutMs: number;
  /** After "Kernel panic - not syncing" wait at most this long for the rest of the trace. */
  readonly panicGraceMs: number;
  /** After a crash that is not a panic, this much silence means the guest is dead. */
  readonly crashQuietMs: number;
  /** After the guest says it powers off, QEMU should exit by itself within this long. */
  readonly powerOffGraceMs: number;
  /**
   * After this much silence (and again after each such stretch), look at the vCPUs for one
   * stuck for good, and in the printk ring for a crash the console did not show.
   */
  readonly stuckProbeMs: number;
}

export const DEFAULT_MONITOR: MonitorOptions = {
  inactivityMs: 30_000,
  timeoutMs: 300_000,
  panicGraceMs: 1_000,
  crashQuietMs: 1_500,
  powerOffGraceMs: 5_000,
  stuckProbeMs: 1_000,
};

/** Why the console monitor stopped QEMU; absent when QEMU exited by itself. */
export const STOP_REASONS = ['panic', 'crash-quiet', 'stuck', 'silent-crash', 'inactivity', 'timeout', 'poweroff-stuck'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

function isPanicLine(line: string): boolean {
  return line.includes('Kernel panic - not syncing');
}

/** The first crash line the monitor saw, as it streamed. */
export interface CrashSighting {
  /** Milliseconds since QEMU started. */
  readonly atMs: number;
  readonly line: string;
  /** 1-based, counting every console line. */
  readonly lineNo: number;
}

/** Characters of console kept from the start of a boot, and from its end. */
const HEAD_CHARS = 8 * 2 ** 20;
const TAIL_CHARS = 8 * 2 ** 20;
/** Kept around the first crash when it comes after the head: lines before it (its cut-here line), and the report itself. */
const PIN_CONTEXT_LINES = 20;
const PIN_LINES = 600;
const PIN_CHARS = 2 ** 20;

/**
 * The console lines kept in memory, bounded whatever the guest prints: the first 8 MiB, the
 * last 8 MiB, and, when the first crash comes in between, that crash's report. console.log
 * on disk keeps every byte; a marker line says where lines were left out.
 */
export class Transcript {
  private readonly head: string[] = [];
  private headChars = 0;
  private pinned: string[] = [];
  /** Lines and characters of the first crash's report still to keep, wherever they fall. */
  private pinLines = 0;
  private pinChars = 0;
  private tail: string[] = [];
  private tailStart = 0;
  private tailChars = 0;
  private lastInTail = false;
  /** Lines left out before the pinned crash, and after it. */
  private droppedBefore = 0;
  private droppedAfter = 0;

  add(line: string): void {
    const pinning = this.pinLines > 0 && this.pinChars > 0;
    if (pinning) {
      this.pinLines--;
      this.pinChars -= line.length;
    }
    this.lastInTail = false;
    if (this.headChars < HEAD_CHARS) {
      this.head.push(line);
      this.headChars += line.length;
      return;
    }
    if (pinning) {
      this.pinned.push(line);
      return;
    }
    this.lastInTail = true;
    this.tail.push(line);
    this.tailChars += line.length;
    while (this.tailChars > TAIL_CHARS) {
      this.tailChars -= this.tail[this.tailStart++]!.length;
      if (this.pinned.length > 0) this.droppedAfter++;
      else this.droppedBefore++;
    }
    // Shifting one by one would be quadratic; drop the evicted prefix now and then.
    if (this.tailStart > 4096 && this.tailStart * 2 > this.tail.length) {
      this.tail = this.tail.slice(this.tailStart);
      this.tailStart = 0;
    }
  }

  /** Keep the crash that was just added, and its report after it, whatever follows. */
  pinLast(): void {
    if (this.pinned.length > 0 || this.pinLines > 0) return;
    this.pinLines = PIN_LINES;
    this.pinChars = PIN_CHARS;
    if (!this.lastInTail) return;
    // It came after the head: it and the lines just before it (its cut-here line) leave the tail.
    const from = Math.max(this.tailStart, this.tail.length - PIN_CONTEXT_LINES);
    this.pinned = this.tail.slice(from);
    this.droppedBefore += from - this.tailStart;
    this.tail = [];
    this.tailStart = 0;
    this.tailChars = 0;
  }

  lines(): string[] {
    const gap = (n: number): string[] => (n > 0 ? [`[bootlab: ${n} console lines not kept in memory; console.log has every byte]`] : []);
    return [...this.head, ...gap(this.droppedBefore), ...this.pinned, ...gap(this.droppedAfter), ...this.tail.slice(this.tailStart)];
  }
}

export class ConsoleMonitor {
  readonly report = new GuestReportBuilder();
  readonly transcript = new Transcript();
  lineCount = 0;
  lastOutputMs = 0;
  firstCrash: CrashSighting | undefined;
  panic: CrashSighting | undefined;
  panicEndMs: number | undefined;
  powerOffMs: number | undefined;
  /** A vCPU found looping where it can never leave, and when the look that found it began. */
  stuckCpu: { readonly atMs: number; readonly reading: string } | undefined;
  /** A crash line found in the printk ring of the silent guest, and when the look that found it began. */
  crashInMemory: { readonly atMs: number; readonly line: string } | undefined;
  private lastProbeMs = Number.NEGATIVE_INFINITY;
  /**
   * A debugger holds the guest until release(): a person at gdb ('everything': no rule stops
   * QEMU), or gdb run by bootlab ('time': silence and the clock mean nothing, but a crash on
   * the console still ends the boot, and with it the gdb waiting for a breakpoint never hit).
   */
  private held: 'everything' | 'time' | undefined;
  /** The timeout counts from here: QEMU's start, or the debugger's release. */
  private clockFromMs = 0;

  constructor(readonly options: MonitorOptions = DEFAULT_MONITOR) {}

  /** A debugger has the guest (paused, or at a breakpoint): silence and time mean nothing now. */
  hold(what: 'everything' | 'time' = 'everything'): void {
    this.held = what;
  }

  /** The debugger let go at `nowMs`: the rules apply again, silence and the timeout counted from now. */
  release(nowMs: number): void {
    this.held = undefined;
    this.clockFromMs = nowMs;
    this.lastOutputMs = Math.max(this.lastOutputMs, nowMs);
    this.lastProbeMs = nowMs;
  }

  /** Any output, even a partial line, proves the guest is alive. */
  touch(nowMs: number): void {
    this.lastOutputMs = nowMs;
  }

  feed(line: string, nowMs: number): void {
    this.lineCount++;
    this.lastOutputMs = nowMs;
    this.transcript.add(line);
    // Report lines are looked at for crashes too: the crash parser reads every line.
    this.report.feed(line);
    if (isCrashLine(line)) {
      const sighting = { atMs: nowMs, line: line.trim(), lineNo: this.lineCount };
      if (!this.firstCrash) {
        this.firstCrash = sighting;
        this.transcript.pinLast();
      }
      if (isPanicLine(line)) this.panic ??= sighting;
    }
    if (this.panic && this.panicEndMs === undefined && isEndOfPanic(line)) this.panicEndMs = nowMs;
    if (/reboot: (Power down|System halted)/.test(line)) this.powerOffMs ??= nowMs;
  }

  /**
   * Whether the caller should look at the vCPUs and the printk ring now: the console has been quiet for
   * stuckProbeMs and they were not looked at within that long. Counts the look as made.
   */
  probeDue(nowMs: number): boolean {
    const every = this.options.stuckProbeMs;
    if (this.held || this.firstCrash || this.stuckCpu || this.crashInMemory || nowMs - this.lastOutputMs < every || nowMs - this.lastProbeMs < every) return false;
    this.lastProbeMs = nowMs;
    return true;
  }

  /** The look begun at `probedAtMs` found a vCPU that can never make progress. */
  foundStuck(reading: string, probedAtMs: number): void {
    this.stuckCpu ??= { atMs: probedAtMs, reading };
  }

  /** The look begun at `probedAtMs` found a crash in the printk ring that the console never showed. */
  foundCrashInMemory(line: string, probedAtMs: number): void {
    this.crashInMemory ??= { atMs: probedAtMs, line };
  }

  /** Whether QEMU should be stopped now, and why. */
  check(nowMs: number): StopReason | undefined {
    const o = this.options;
    if (this.held === 'everything') return undefined;
    if (this.panic) {
      // The end marker means the trace is complete; otherwise give it a short grace.
      if (this.panicEndMs !== undefined || nowMs - this.panic.atMs >= o.panicGraceMs) return 'panic';
    }
    if (this.firstCrash && nowMs - this.lastOutputMs >= o.crashQuietMs) return 'crash-quiet';
    if (this.powerOffMs !== undefined && nowMs - this.powerOffMs >= o.powerOffGraceMs) return 'poweroff-stuck';
    if (this.held) return undefined;
    if (this.crashInMemory) {
      if (this.lastOutputMs <= this.crashInMemory.atMs) return 'silent-crash';
      // The console spoke after the look began: it will show the crash itself.
      this.crashInMemory = undefined;
    }
    if (this.stuckCpu) {
      if (this.lastOutputMs <= this.stuckCpu.atMs) return 'stuck';
      // Output after the look began: the guest moved on after all.
      this.stuckCpu = undefined;
    }
    if (nowMs - this.clockFromMs >= o.timeoutMs) return 'timeout';
    if (nowMs - this.lastOutputMs >= o.inactivityMs) return 'inactivity';
    return undefined;
  }

  guestReport(): GuestReport {
    return this.report.build();
  }

  /** The console as kept in memory: what the crash parser and the CMA check read. */
  lines(): string[] {
    return this.transcript.lines();
  }
}
