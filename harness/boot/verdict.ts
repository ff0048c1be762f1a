/**
 * What a boot ended in, and why, from what the console monitor saw and how QEMU ended.
 * Pure, so every rule is testable without a VM.
 */
import type { ConsoleMonitor, StopReason } from './console.ts';
import type { CrashReport } from '../crash/types.ts';

/** What a boot can end in; every list of verdicts in bootlab is this one. */
export const VERDICTS = ['pass', 'crash', 'hang', 'qemu-error', 'infra-error'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface QemuExit {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  /** We killed it (the monitor's stop, or bootlab shutting down). */
  readonly killedByUs: boolean;
  readonly stderr: string;
}

/** Where a verdict's evidence came from: the console, or the printk buffer of a silent guest. */
export const EVIDENCE = ['console', 'guest-memory'] as const;

export interface Decision {
  readonly verdict: Verdict;
  /** One line: the panic line, the hang window, QEMU's complaint. */
  readonly reason: string;
  /** Where a crash verdict's evidence came from. */
  readonly evidence: (typeof EVIDENCE)[number];
}

/**
 * The verdict. `recovered` are the crash reports found in the printk buffer of a guest that
 * went silent (read out of its memory before QEMU was killed): they turn a hang into a crash.
 */
export function decideVerdict(m: ConsoleMonitor, stop: StopReason | undefined, exit: QemuExit, recovered: readonly CrashReport[] = []): Decision {
  const say = (verdict: Verdict, reason: string): Decision => ({ verdict, reason, evidence: 'console' });
  if (m.firstCrash) return say('crash', m.panic ? m.panic.line : m.firstCrash.line);
  const hang = hangReason(m, stop);
  if (hang !== undefined) {
    const crash = recovered[0];
    if (crash) return { verdict: 'crash', reason: `recovered from guest memory: ${crash.header} (the console stayed silent: ${hang})`, evidence: 'guest-memory' };
    return say('hang', hang);
  }
  const qemuComplaint = exit.stderr.split('\n').find((l) => /^qemu-system-\w+: /.test(l));
  if (exit.signal && !exit.killedByUs) return say('infra-error', `QEMU was killed by ${exit.signal} from outside bootlab`);
  if (exit.exitCode !== 0) return say('qemu-error', qemuComplaint ?? `QEMU exited with code ${exit.exitCode}: ${exit.stderr.trim().slice(0, 500)}`);
  const report = m.guestReport();
  if (report.complete) return say('pass', 'guest reported and powered off');
  if (m.lineCount === 0) return say('qemu-error', qemuComplaint ?? 'QEMU exited before the guest printed anything');
  return say('infra-error', m.report.seen ? 'the guest report was cut off before its end line' : 'the guest powered off without a report');
}

function hangReason(m: ConsoleMonitor, stop: StopReason | undefined): string | undefined {
  const last = `${(m.lastOutputMs / 1000).toFixed(1)}s`;
  switch (stop) {
    case 'stuck':
      return `no console output since ${last} (${m.lineCount} lines) and ${m.stuckCpu!.reading}`;
    case 'silent-crash':
      return `no console output since ${last} (${m.lineCount} lines), and a crash in the printk buffer`;
    case 'inactivity':
      return `no console output for ${m.options.inactivityMs / 1000}s (last output at ${last}, ${m.lineCount} lines)`;
    case 'timeout':
      return `still running after the ${m.options.timeoutMs / 1000}s boot timeout`;
    case 'poweroff-stuck':
      return 'the guest powered off but QEMU did not exit';
    default:
      return undefined;
  }
}
