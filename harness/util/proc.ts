/**
 * Every child process bootlab starts goes through here, so that none outlives bootlab.
 * Children run in their own process group (`detached`), which lets us kill `make` together
 * with the compilers it forked, and QEMU with anything it spawned, in one signal; each is
 * tracked by util/children.ts until it exits.
 */
import { execa, type Options, type ResultPromise } from 'execa';
import { forgetChild, killGroup, trackChild } from './children.ts';

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

/**
 * Start a long-running child (QEMU) in its own process group, tracked so that signals and
 * bootlab's exit kill it; the caller streams its output and awaits it. Never rejects.
 */
export function start(file: string, args: readonly string[], options: Options): ResultPromise {
  const child: ResultPromise = execa(file, args, { ...options, detached: true, cleanup: false, reject: false, stdin: 'ignore' });
  track(child);
  return child;
}

/** Register a child so that signals and exit kill it. */
function track(child: ResultPromise): void {
  const pid = child.pid;
  if (pid === undefined) return;
  trackChild(pid);
  const forget = (): void => forgetChild(pid);
  child.then(forget, forget);
}
