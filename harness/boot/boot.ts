/**
 * Boot one kernel on QEMU, follow its console as it streams, and stop QEMU as soon as the
 * console monitor knows how the boot ends. The raw console is written to disk as it arrives
 * (every byte, memory bounded whatever the guest prints); it is decoded once, here, and each
 * line goes to the monitor and, with its time since QEMU started, to a second log. A guest
 * that goes silent is examined through QEMU's monitor before it is killed.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { diskFullError, isDiskFull } from '../util/atomic.ts';
import { killGroup } from '../util/children.ts';
import { start } from '../util/proc.ts';
import { settled } from '../util/promise.ts';
import { ConsoleMonitor, DEFAULT_MONITOR, type MonitorOptions, type StopReason } from './console.ts';
import { deviceTreeWithPools } from './dtb.ts';
import { dumpGuestMemory } from './forensics/dump.ts';
import { HumanMonitor } from './forensics/hmp.ts';
import { inspectGuest, type Forensics } from './forensics/inspect.ts';
import { GDB_LOG, GDB_SOCKET, gdbSession, runGdbBatch, type GdbBatch } from './gdb.ts';
import { hasDeadLoops } from './forensics/registers.ts';
import { crashInRing, locateRing } from './forensics/ring.ts';
import { stuckCpu } from './forensics/stuck.ts';
import type { MachineConfig } from './profile.ts';
import { qemuCommand } from './qemu.ts';
import type { QemuExit } from './verdict.ts';

export interface BootJob {
  /** Unique within a run; names the QEMU process (`-name bootlab-<id>`). */
  readonly id: string;
  readonly machine: MachineConfig;
  readonly kernel: string;
  readonly initrd: string;
  readonly outDir: string;
  readonly monitor?: Partial<MonitorOptions>;
  /** The build's System.map and .config: let a silent guest be examined (printk buffer, symbols). */
  readonly symbols?: { readonly systemMap: string; readonly config?: string };
  /** Called with QEMU's command line just before it starts (reproduce.sh is written then). */
  readonly beforeStart?: (command: { readonly argv: readonly string[]; readonly dtb?: string }) => void;
  /**
   * Boot paused, with a gdb stub on gdb.sock in outDir (QEMU runs there: a socket path is
   * limited to 108 bytes). With `batch` bootlab runs gdb itself and the boot goes on when it
   * detaches; without, a person attaches and no rule stops QEMU until it exits.
   */
  readonly gdb?: { readonly batch?: { readonly vmlinux: string; readonly run: GdbBatch } };
  /** Write guest memory to this ELF core before QEMU is stopped for a crash or a hang. */
  readonly dump?: string;
}


/** A boot as it happened: what the console monitor saw, why QEMU stopped, how it exited. */
export interface BootRun {
  readonly argv: readonly string[];
  /** The device tree the boot used, when bootlab made one (reserved-memory pools). */
  readonly dtb?: string;
  readonly monitor: ConsoleMonitor;
  readonly stop?: StopReason;
  readonly exit: QemuExit;
  /** When the monitor decided to stop QEMU (or QEMU exited), in ms since QEMU started. */
  readonly decidedAtMs: number;
  readonly durationMs: number;
  /** What was read from a silent guest before it was killed. */
  readonly forensics?: Forensics;
  /** The --dump core, or why there is none. */
  readonly dump?: Awaited<ReturnType<typeof dumpGuestMemory>>;
  /** The raw console and the timed one. */
  readonly consoleLog: string;
  readonly timedLog: string;
}

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

let monitorCount = 0;
const liveSockets = new Set<string>();
process.on('exit', () => {
  for (const socket of liveSockets) rmSync(socket, { force: true });
});

export async function bootKernel(job: BootJob): Promise<BootRun> {
  mkdirSync(job.outDir, { recursive: true });
  const options = { ...DEFAULT_MONITOR, ...job.monitor };
  const dtb = job.machine.reservedPools ? await deviceTreeWithPools(job.machine, job.kernel, job.initrd, job.outDir) : undefined;
  // Unix socket paths are limited to 108 bytes: keep it short and out of the results tree.
  const monitorSocket = join(tmpdir(), `bootlab-${process.pid}-${++monitorCount}.mon`);
  const { file, args } = await qemuCommand({
    monitorSocket,
    machine: job.machine,
    kernel: job.kernel,
    initrd: job.initrd,
    name: `bootlab-${job.id}`,
    ...(dtb ? { dtb } : {}),
    ...(job.gdb ? { gdbSocket: GDB_SOCKET } : {}),
  });
  job.beforeStart?.({ argv: [file, ...args], ...(dtb ? { dtb } : {}) });
  // QEMU creates it; bootlab removes it when the boot ends, or when bootlab exits first
  // (interrupted, or another job's error ending the run).
  liveSockets.add(monitorSocket);
  const gdbSocket = job.gdb ? join(job.outDir, GDB_SOCKET) : undefined;
  if (gdbSocket) liveSockets.add(gdbSocket);
  const consoleLog = join(job.outDir, 'console.log');
  const timedLog = join(job.outDir, 'console.timed.log');
  const raw = createWriteStream(consoleLog);
  const timed = createWriteStream(timedLog);
  const monitor = new ConsoleMonitor(options);
  if (job.gdb) monitor.hold(job.gdb.batch ? 'time' : 'everything');
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
  rmSync(join(job.outDir, GDB_SOCKET), { force: true });
  const child = start(file, args, 'pipe', job.outDir);
  const batch = job.gdb?.batch;
  // Unattended gdb: the boot goes on, under the usual rules, once it has detached. It ends
  // with the boot at the latest.
  const gdbDone = new AbortController();
  const gdb = batch
    ? settled(
        runGdbBatch(gdbSession(batch.vmlinux), batch.run, job.outDir, join(job.outDir, GDB_LOG), gdbDone.signal)
          // A gdb that failed or timed out leaves the guest paused: it goes on all the same.
          .finally(() => HumanMonitor.send(monitorSocket, 'cont').catch(() => undefined))
          .finally(() => monitor.release(now())),
      )
    : undefined;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
  });

  // UTF-8, decoded once; a character split across two chunks is joined by the decoder.
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const emitLine = (line: string): void => {
    const t = now();
    timed.write(`[+${(t / 1000).toFixed(3)}s] ${line}\n`);
    monitor.feed(line, t);
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    raw.write(chunk);
    monitor.touch(now());
    partial += decoder.write(chunk);
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
  let dumped: Awaited<ReturnType<typeof dumpGuestMemory>> | undefined;
  // One look at a silent guest at a time; the monitor serves one client. Its vCPUs, on
  // arches with a known dead loop; its printk ring, wherever System.map locates it.
  const deadLoops = hasDeadLoops(job.machine.arch);
  const ring = job.symbols && existsSync(job.symbols.systemMap) ? locateRing(job.machine.arch, readFileSync(job.symbols.systemMap, 'utf8'), job.symbols.config) : undefined;
  let probe: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (stop) return;
    const t = now();
    if ((deadLoops || ring) && !probe && monitor.probeDue(t)) {
      probe = (async () => {
        const reading = deadLoops ? await stuckCpu(job.machine.arch, monitorSocket) : undefined;
        if (reading) return monitor.foundStuck(reading, t);
        const crash = ring ? await crashInRing(ring, monitorSocket, job.outDir) : undefined;
        if (crash) monitor.foundCrashInMemory(crash, t);
      })().finally(() => {
        probe = undefined;
      });
    }
    stop = monitor.check(t);
    if (!stop || child.pid === undefined) return;
    decidedAtMs = t;
    const pid = child.pid;
    const silent = stop === 'stuck' || stop === 'silent-crash' || stop === 'inactivity' || stop === 'timeout';
    const dump = job.dump !== undefined && stop !== 'poweroff-stuck' ? job.dump : undefined;
    if (!silent && dump === undefined) {
      killGroup(pid);
      return;
    }
    // A silent guest is examined through the monitor before it dies, within a budget; with
    // --dump its memory is written out first.
    Promise.resolve(probe)
      .then(async () => {
        if (dump !== undefined) dumped = await dumpGuestMemory(monitorSocket, dump);
        if (silent) forensics = await inspectGuest({ arch: job.machine.arch, monitorSocket, outDir: job.outDir, ...(job.symbols ?? {}), budgetMs: FORENSICS_BUDGET_MS });
      })
      .catch((error: unknown) => {
        forensics = { registers: [], readings: [], recovered: [], errors: [`examining the guest failed: ${(error as Error).message}`], durationMs: 0 };
      })
      .finally(() => killGroup(pid));
  }, 50);
  const exit = await child.exited;
  clearInterval(timer);
  gdbDone.abort();
  await gdb;
  rmSync(monitorSocket, { force: true });
  liveSockets.delete(monitorSocket);
  if (gdbSocket) {
    rmSync(gdbSocket, { force: true });
    liveSockets.delete(gdbSocket);
  }
  partial += decoder.end();
  if (partial) emitLine(partial);
  await Promise.all([closeStream(raw), closeStream(timed)]).catch(onWriteError);
  if (child.pid !== undefined) killGroup(child.pid);
  if (writeError !== undefined) {
    if (isDiskFull(writeError)) throw diskFullError(consoleLog, writeError);
    throw writeError;
  }
  return {
    argv: [file, ...args],
    ...(dtb ? { dtb } : {}),
    monitor,
    ...(stop ? { stop } : {}),
    exit: { exitCode: exit.exitCode, signal: exit.signal, killedByUs: stop !== undefined, stderr: exit.error ? `${file}: ${exit.error}\n${stderr}` : stderr },
    decidedAtMs: decidedAtMs ?? now(),
    durationMs: now(),
    ...(forensics ? { forensics } : {}),
    ...(dumped ? { dump: dumped } : {}),
    consoleLog,
    timedLog,
  };
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
