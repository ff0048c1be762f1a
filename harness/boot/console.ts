/**
 * The console monitor: fed the guest's serial output line by line as it streams, it
 * decides when to stop QEMU and what happened. Pure (the caller supplies the clock), so
 * every timing rule is testable without a VM.
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
  /** After this much silence (and again after each such stretch), look at the vCPUs for one stuck for good. */
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

function isPanicLine(line: string): boolean {
  return line.includes('Kernel panic - not syncing');
}

export type StopReason = 'panic' | 'crash-quiet' | 'stuck' | 'inactivity' | 'timeout' | 'poweroff-stuck';

export interface CrashSighting {
  readonly atMs: number;
  readonly line: string;
  readonly lineNo: number;
}

export class ConsoleMonitor {
  readonly report = new GuestReportBuilder();
  lineCount = 0;
  lastOutputMs = 0;
  firstCrash: CrashSighting | undefined;
  panic: CrashSighting | undefined;
  panicEndMs: number | undefined;
  powerOffMs: number | undefined;
  /** A vCPU found looping where it can never leave, and when the look that found it began. */
  stuckCpu: { readonly atMs: number; readonly reading: string } | undefined;
  private lastProbeMs = Number.NEGATIVE_INFINITY;

  constructor(readonly options: MonitorOptions = DEFAULT_MONITOR) {}

  /** Any output, even a partial line, proves the guest is alive. */
  touch(nowMs: number): void {
    this.lastOutputMs = nowMs;
  }

  feed(line: string, nowMs: number): void {
    this.lineCount++;
    this.lastOutputMs = nowMs;
    if (this.report.feed(line)) return;
    if (isCrashLine(line)) {
      const sighting = { atMs: nowMs, line: line.trim(), lineNo: this.lineCount };
      this.firstCrash ??= sighting;
      if (isPanicLine(line)) this.panic ??= sighting;
    }
    if (this.panic && this.panicEndMs === undefined && isEndOfPanic(line)) this.panicEndMs = nowMs;
    if (/reboot: (Power down|System halted)/.test(line)) this.powerOffMs ??= nowMs;
  }

  /**
   * Whether the caller should look at the vCPUs now: the console has been quiet for
   * stuckProbeMs and they were not looked at within that long. Counts the look as made.
   */
  probeDue(nowMs: number): boolean {
    const every = this.options.stuckProbeMs;
    if (this.firstCrash || this.stuckCpu || nowMs - this.lastOutputMs < every || nowMs - this.lastProbeMs < every) return false;
    this.lastProbeMs = nowMs;
    return true;
  }

  /** The look begun at `probedAtMs` found a vCPU that can never make progress. */
  foundStuck(reading: string, probedAtMs: number): void {
    this.stuckCpu ??= { atMs: probedAtMs, reading };
  }

  /** Whether QEMU should be stopped now, and why. */
  check(nowMs: number): StopReason | undefined {
    const o = this.options;
    if (this.panic) {
      // The end marker means the trace is complete; otherwise give it a short grace.
      if (this.panicEndMs !== undefined || nowMs - this.panic.atMs >= o.panicGraceMs) return 'panic';
    }
    if (this.firstCrash && nowMs - this.lastOutputMs >= o.crashQuietMs) return 'crash-quiet';
    if (this.powerOffMs !== undefined && nowMs - this.powerOffMs >= o.powerOffGraceMs) return 'poweroff-stuck';
    if (this.stuckCpu) {
      if (this.lastOutputMs <= this.stuckCpu.atMs) return 'stuck';
      // Output after the look began: the guest moved on after all.
      this.stuckCpu = undefined;
    }
    if (nowMs >= o.timeoutMs) return 'timeout';
    if (nowMs - this.lastOutputMs >= o.inactivityMs) return 'inactivity';
    return undefined;
  }

  guestReport(): GuestReport {
    return this.report.build();
  }
}

export type Verdict = 'pass' | 'crash' | 'hang' | 'qemu-error' | 'infra-error';

export interface QemuExit {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  /** We killed it (the monitor's stop, or bootlab shutting down). */
  readonly killedByUs: boolean;
  readonly stderr: string;
}

/** Pure: the verdict from what the monitor saw and how QEMU ended. */
export function decideVerdict(m: ConsoleMonitor, stop: StopReason | undefined, exit: QemuExit): { verdict: Verdict; reason: string } {
  if (m.firstCrash) return { verdict: 'crash', reason: m.panic ? m.panic.line : m.firstCrash.line };
  if (stop === 'stuck') return { verdict: 'hang', reason: `no console output since ${(m.lastOutputMs / 1000).toFixed(1)}s (${m.lineCount} lines) and ${m.stuckCpu!.reading}` };
  if (stop === 'inactivity') return { verdict: 'hang', reason: `no console output for ${m.options.inactivityMs / 1000}s (last output at ${(m.lastOutputMs / 1000).toFixed(1)}s, ${m.lineCount} lines)` };
  if (stop === 'timeout') return { verdict: 'hang', reason: `still running after the ${m.options.timeoutMs / 1000}s boot timeout` };
  if (stop === 'poweroff-stuck') return { verdict: 'hang', reason: 'the guest powered off but QEMU did not exit' };
  const qemuComplaint = exit.stderr.split('\n').find((l) => /^qemu-system-\w+: /.test(l));
  if (exit.signal && !exit.killedByUs) return { verdict: 'infra-error', reason: `QEMU was killed by ${exit.signal} from outside bootlab` };
  if (exit.exitCode !== 0) return { verdict: 'qemu-error', reason: qemuComplaint ?? `QEMU exited with code ${exit.exitCode}: ${exit.stderr.trim().slice(0, 500)}` };
  const report = m.guestReport();
  if (report.complete) return { verdict: 'pass', reason: 'guest reported and powered off' };
  if (m.lineCount === 0) return { verdict: 'qemu-error', reason: qemuComplaint ?? 'QEMU exited before the guest printed anything' };
  return { verdict: 'infra-error', reason: m.report.seen ? 'the guest report was cut off before its end line' : 'the guest powered off without a report' };
}
