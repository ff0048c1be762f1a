/**
 * The children bootlab has running, by process group, and what happens to them when bootlab
 * ends: on SIGINT or SIGTERM every group is killed, the interrupt hooks record what
 * finished, and bootlab exits 130 or 143; on any exit every group still running is killed.
 * (No execa here: the command line installs these handlers before it loads anything heavy.)
 */

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

/** Kill every child group still running. */
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
      process.stderr.write(`bootlab: interrupted by ${signal}; every QEMU, make and gdb it started has been killed\n`);
      process.exit(code);
    });
  }
  process.on('exit', killAllChildren);
}

export function trackChild(pid: number): void {
  live.add(pid);
  installSignalHandlers();
}

export function forgetChild(pid: number): void {
  live.delete(pid);
}
