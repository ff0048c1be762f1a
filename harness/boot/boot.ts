/**
 * Boot one kernel on QEMU, follow its console as it streams, and stop QEMU as soon as the
 * verdict is known. The raw console is written to disk as it arrives (memory stays bounded
 * whatever the guest prints); a second log carries each line's time since QEMU started.
 */
import { execa } from 'execa';
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchName } from '../arch.ts';
import { ConsoleMonitor, DEFAULT_MONITOR, decideVerdict, type MonitorOptions, type StopReason, type Verdict, type CrashSighting } from './console.ts';
import type { GuestReport } from './guest-report.ts';
import { ARCHES } from '../arch.ts';
import type { MachineConfig } from './profile.ts';
import { killGroup, track } from '../util/proc.ts';
import { qemuArgv } from './qemu.ts';
import { deviceTreeWithPools } from './dtb.ts';
import { diskFullError, isDiskFull } from '../util/atomic.ts';
import { inspectGuest, type Forensics } from './forensics/inspect.ts';
import { hasDeadLoops } from './forensics/registers.ts';
import { stuckCpu } from './forensics/stuck.ts';
import { traceFirstFault, type FirstFault } from './forensics/trace.ts';
import { requireTools } from '../util/tools.ts';

export interface BootJob {
  /** Unique within a run; names the output directory and the QEMU process. */
  readonly id: string;
  readonly machine: MachineConfig;
  readonly kernel: string;
  readonly initrd: string;
  readonly outDir: string;
  readonly dtb?: string;
  readonly monitor?: Partial<MonitorOptions>;
  /** The build's System.map and .config: let a hang be examined (printk buffer, symbols). */
  readonly symbols?: { readonly systemMap: string; readonly config?: string };
}

export interface BootResult {
  readonly id: string;
  readonly arch: ArchName;
  readonly profile: string;
  readonly verdict: Verdict;
  /** One line saying why: the panic line, the hang window, QEMU's complaint. */
  readonly reason: string;
  readonly stopReason?: StopReason;
  readonly firstCrash?: CrashSighting;
  /** When the verdict was known, in ms since QEMU started. */
  readonly decidedAtMs: number;
  readonly durationMs: number;
  readonly report: GuestReport;
  readonly consoleLog: string;
  readonly timedLog: string;
  readonly qemu: { readonly argv: readonly string[]; readonly exitCode?: number; readonly signal?: string; readonly stderr: string };
  /** What was read from the stuck guest through QEMU's monitor before it was killed. */
  readonly forensics?: Forensics & { readonly firstFault?: FirstFault };
  /** Where the verdict's evidence came from. */
  readonly evidence: 'console' | 'guest-memory';
}

let monitorCount = 0;
const liveSockets = new Set<string>();
process.on('exit', () => {
  for (const socket of liveSockets) rmSync(socket, { force: true });
});

/**
 * Boots at once unless told otherwise: one more than the cores. A QEMU leaves its core idle
 * for part of its life (start-up, mapping guest RAM, exit); on a 2-core machine the warm
 * nightly took 28.9 s this way against 31.0 s with one boot per core.
 */
export function defaultBootConcurrency(): number {
  return availableParallelism() + 1;
}

/** Time the monitor may take to examine a silent guest before QEMU is killed. */
const FORENSICS_BUDGET_MS = 1500;

/** Longest line kept whole; a guest printing megabytes without a newline is cut into pieces. */
const MAX_LINE = 64 * 1024;

/** Whether this QEMU supports -sandbox (built with seccomp); probed once per binary. */
const sandboxSupport = new Map<string, Promise<boolean>>();
function supportsSandbox(qemu: string): Promise<boolean> {
  let p = sandboxSupport.get(qemu);
  if (!p) {
    p = execa(qemu, ['-sandbox', 'on', '-M', 'none', '-S', '-display', 'none', '-monitor', 'none', '-version'], { reject: false, timeout: 10_000 }).then((r) => r.exitCode === 0);
    sandboxSupport.set(qemu, p);
  }
  return p;
}

export async function bootKernel(job: BootJob): Promise<BootResult> {
  const spec = ARCHES[job.machine.arch].machine;
  requireTools({ [spec.qemu]: spec.qemuPackage }, `Booting ${job.machine.arch}`);
  mkdirSync(job.outDir, { recursive: true });
  const options = { ...DEFAULT_MONITOR, ...job.monitor };
  const dtb = job.dtb ?? (job.machine.reservedPools ? await deviceTreeWithPools(job.machine, job.kernel, job.initrd, job.outDir) : undefined);
  // Unix socket paths are limited to 108 bytes: keep it short and out of the results tree.
  const monitorSocket = join(tmpdir(), `bootlab-${process.pid}-${++monitorCount}.mon`);
  // QEMU creates it; bootlab removes it when the boot ends, or when bootlab exits first
  // (interrupted, or another job's error ending the run).
  liveSockets.add(monitorSocket);
  const { file, args } = qemuArgv({
    monitorSocket,
    machine: job.machine,
    kernel: job.kernel,
    initrd: job.initrd,
    name: `bootlab-${job.id}`,
    sandbox: await supportsSandbox(spec.qemu),
    ...(dtb ? { dtb } : {}),
  });
  const consoleLog = join(job.outDir, 'console.log');
  const timedLog = join(job.outDir, 'console.timed.log');
  const raw = createWriteStream(consoleLog);
  const timed = createWriteStream(timedLog);
  const monitor = new ConsoleMonitor(options);
  const started = performance.now();
  const now = (): number => Math.round(performance.now() - started);

  // A log that cannot be written (disk full) ends the boot: its verdict could not be kept.
  let writeError: unknown;
  const onWriteError = (error: unknown): void => {
    writeError ??= error;
    if (child.pid !== undefined) killGroup(child.pid);
  };
  raw.on('error', onWriteError);
  timed.on('error', onWriteError);
  const child = execa(file, args, { detached: true, cleanup: false, reject: false, stdin: 'ignore', buffer: { stdout: false, stderr: true }, encoding: 'buffer', stripFinalNewline: false });
  track(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
  });

  let partial = '';
  const emitLine = (line: string): void => {
    const t = now();
    timed.write(`[+${(t / 1000).toFixed(3)}s] ${line}\n`);
    monitor.feed(line, t);
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    raw.write(chunk);
    monitor.touch(now());
    partial += chunk.toString('latin1');
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      emitLine(partial.slice(0, nl).replace(/\r+$/, ''));
      partial = partial.slice(nl + 1);
    }
    while (partial.length > MAX_LINE) {
      emitLine(partial.slice(0, MAX_LINE));
      partial = partial.slice(MAX_LINE);
    }
  });

  let stop: StopReason | undefined;
  let decidedAtMs: number | undefined;
  let forensics: Forensics | undefined;
  // One look at the vCPUs at a time; the monitor serves one client. Only on arches with a
  // known dead loop: elsewhere every look would open the monitor for nothing.
  const probes = hasDeadLoops(job.machine.arch);
  let probe: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (stop) return;
    const t = now();
    if (probes && !probe && monitor.probeDue(t)) {
      probe = stuckCpu(job.machine.arch, monitorSocket)
        .then((reading) => {
          if (reading) monitor.foundStuck(reading, t);
        })
        .finally(() => {
          probe = undefined;
        });
    }
    stop = monitor.check(t);
    if (!stop || child.pid === undefined) return;
    decidedAtMs = t;
    const pid = child.pid;
    // A silent guest is examined through the monitor before it dies; bounded by a budget.
    if (stop === 'stuck' || stop === 'inactivity' || stop === 'timeout') {
      Promise.resolve(probe)
        .then(() => inspectGuest({ arch: job.machine.arch, monitorSocket, outDir: job.outDir, ...(job.symbols ?? {}), budgetMs: FORENSICS_BUDGET_MS }))
        .then((f) => {
          forensics = f;
        })
        .finally(() => killGroup(pid));
    } else killGroup(pid);
  }, 50);
  const exit = await child;
  clearInterval(timer);
  rmSync(monitorSocket, { force: true });
  liveSockets.delete(monitorSocket);
  if (partial) emitLine(partial);
  await Promise.all([closeStream(raw), closeStream(timed)]).catch(onWriteError);
  if (child.pid !== undefined) killGroup(child.pid);
  if (writeError !== undefined) {
    if (isDiskFull(writeError)) throw diskFullError(consoleLog, writeError);
    throw writeError;
  }

  let { verdict, reason } = decideVerdict(monitor, stop, {
    exitCode: exit.exitCode,
    signal: exit.signal,
    killedByUs: stop !== undefined,
    stderr,
  });
  let evidence: BootResult['evidence'] = 'console';
  if (verdict === 'hang' && forensics?.recoveredCrash) {
    verdict = 'crash';
    reason = `recovered from guest memory: ${forensics.recoveredCrash.trim()} (the console stayed silent: ${reason})`;
    evidence = 'guest-memory';
  } else if (verdict === 'hang' && forensics) {
    const more = forensics.readings.filter((r) => !reason.includes(r));
    if (more.length > 0) reason = `${reason}; ${more.join('; ')}`;
  }
  // A CPU stuck in an exception vector died before printk could say why: replay the boot
  // briefly with QEMU's exception log to name the first fault.
  let fault: FirstFault | undefined;
  if (verdict === 'hang' && !forensics?.recoveredCrash && (stop === 'stuck' || forensics?.readings.some((r) => /abort|vector/.test(r)))) {
    fault = await traceFirstFault({ machine: job.machine, kernel: job.kernel, initrd: job.initrd, name: `bootlab-${job.id}-trace`, ...(dtb ? { dtb } : {}) }, job.outDir);
    if (fault) reason = `${reason}; first fault: ${fault.exception}${fault.address ? ` at address ${fault.address}` : ''}${fault.status ? ` (${fault.status})` : ''}`;
  }
  const result: BootResult = {
    id: job.id,
    arch: job.machine.arch,
    profile: job.machine.profile,
    verdict,
    reason,
    ...(stop ? { stopReason: stop } : {}),
    ...(monitor.firstCrash ? { firstCrash: monitor.firstCrash } : {}),
    decidedAtMs: decidedAtMs ?? now(),
    durationMs: now(),
    report: monitor.guestReport(),
    consoleLog,
    timedLog,
    qemu: { argv: [file, ...args], ...(exit.exitCode !== undefined ? { exitCode: exit.exitCode } : {}), ...(exit.signal ? { signal: exit.signal } : {}), stderr },
    ...(forensics ? { forensics: { ...forensics, ...(fault ? { firstFault: fault } : {}) } } : {}),
    evidence,
  };
  return result;
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
