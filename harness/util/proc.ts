/**
 * Every child process bootlab starts goes through here, so that none outlives bootlab.
 * Children run in their own process group (`detached`), which lets us kill `make` together
 * with the compilers it forked, and QEMU with anything it spawned, in one signal.
 */
import { execa, type Options, type ResultPromise } from 'execa';

const live = new Set<number>();
let handlersInstalled = false;

/** Kill a whole process group; a group that is already gone is not an error. */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group has exited already.
  }
}

export function killAllChildren(): void {
  for (const pid of live) killGroup(pid);
  live.clear();
}

const interruptHooks = new Set<(signal: NodeJS.Signals) => void>();

/**
 * Run `hook` (synchronously) when bootlab is interrupted, after every child is dead: the
 * place to record what finished. Returns a function that removes the hook.
 */
export function onInterrupt(hook: (signal: NodeJS.Signals) => void): () => void {
  installSignalHandlers();
  interruptHooks.add(hook);
  return () => interruptHooks.delete(hook);
}

/** On SIGINT/SIGTERM kill every child group, run the hooks, exit with 128+signo. */
export function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      killAllChildren();
      for (const hook of interruptHooks) hook(signal);
      process.stderr.write(`bootlab: interrupted by ${signal}; every QEMU and make it started has been killed\n`);
      process.exit(code);
    });
  }
  process.on('exit', killAllChildren);
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /** Append stdout and stderr, interleaved, to this file. */
  readonly logFile?: string;
  /** Kill the process group after this many milliseconds. */
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** Captured stdout+stderr when no logFile was given, otherwise ''. */
  readonly output: string;
}

/** Run a command to completion; never throws for a non-zero exit (callers decide what failure means). */
export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const log = options.logFile ? ({ file: options.logFile, append: true } as const) : undefined;
  const execaOptions: Options = {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    detached: true,
    cleanup: false,
    reject: false,
    stdin: 'ignore',
    stdout: log ?? 'pipe',
    stderr: log ?? 'pipe',
    all: log === undefined,
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
  };
  const child = execa(file, args, execaOptions);
  track(child);
  const result = await child;
  // The leader may be gone while its children linger (make's compilers): finish the group.
  if (child.pid !== undefined) killGroup(child.pid);
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    durationMs: Date.now() - started,
    output: typeof result.all === 'string' ? result.all : '',
  };
}

/** Register a child started elsewhere (QEMU) so signals and exit kill it. */
export function track(child: ResultPromise): void {
  const pid = child.pid;
  if (pid === undefined) return;
  live.add(pid);
  installSignalHandlers();
  const forget = (): void => {
    live.delete(pid);
  };
  child.then(forget, forget);
}
