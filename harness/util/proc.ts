/**
 * Every child process bootlab starts goes through here, so that none outlives bootlab.
 * Children run in their own process group (`detached`), which lets us kill `make` together
 * with the compilers it forked, and QEMU with anything it spawned, in one signal; each is
 * tracked by util/children.ts until it exits.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Options, ResultPromise } from 'execa';
import { forgetChild, killGroup, trackChild } from './children.ts';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /** Append stdout and stderr, interleaved, to this file. */
  readonly logFile?: string;
  /** Kill the process group after this many milliseconds. */
  readonly timeoutMs?: number;
  /** Kill the process group when this is aborted. */
  readonly cancel?: AbortSignal;
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
    ...(options.cancel ? { cancelSignal: options.cancel } : {}),
    killSignal: 'SIGKILL',
  };
  // Loaded here, on the first run, not with the command: see start().
  const { execa } = await import('execa');
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

/** How a child started with start() ended. */
export interface Exit {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  /** Why it could not be started at all (the program vanished, EACCES). */
  readonly error?: string;
}

export interface Started {
  readonly pid: number | undefined;
  /** Its output, when started with output "pipe". */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resolves once it has exited and its output has ended; never rejects. */
  readonly exited: Promise<Exit>;
}

/**
 * Start a long-running child (QEMU) in its own process group, tracked so that signals and
 * bootlab's exit kill it; the caller streams its output. With node's own spawn rather than
 * execa: this is on the way to every boot, and loading execa takes 0.12 s here, a fifth of
 * a warm repro's whole floor. run() loads execa when it is first needed.
 */
export function start(file: string, args: readonly string[], output: 'pipe' | 'ignore', cwd?: string): Started {
  const child = spawn(file, args, { detached: true, stdio: ['ignore', output, output], ...(cwd ? { cwd } : {}) });
  const pid = child.pid;
  if (pid !== undefined) trackChild(pid);
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (e) => resolve({ exitCode: undefined, signal: undefined, error: e.message }));
    child.once('close', (code, signal) => resolve({ exitCode: code ?? undefined, signal: signal ?? undefined }));
  });
  void exited.then(() => pid !== undefined && forgetChild(pid));
  return { pid, stdout: child.stdout, stderr: child.stderr, exited };
}

/** Register a child so that signals and exit kill it. */
function track(child: ResultPromise): void {
  const pid = child.pid;
  if (pid === undefined) return;
  trackChild(pid);
  const forget = (): void => forgetChild(pid);
  child.then(forget, forget);
}
