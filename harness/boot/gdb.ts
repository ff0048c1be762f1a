/**
 * gdb at a guest QEMU holds paused (boot/qemu.ts debuggable()): the command a person types,
 * and the same session run unattended (--break FUNC, --gdb-batch FILE) with its output kept.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { programs } from '../setup/packages.ts';
import { run, type RunResult } from '../util/proc.ts';
import { shellCommand } from '../util/text.ts';
import { requireTools } from '../util/tools.ts';

export const GDB = 'gdb-multiarch';
/** The gdb stub's socket, relative to the job's directory where QEMU and gdb run: a socket path may not pass 108 bytes. */
export const GDB_SOCKET = 'gdb.sock';
/** What an unattended gdb printed, in the job's directory. */
export const GDB_LOG = 'gdb.log';

/** What gdb is to do unattended: stop at a function and print the stack, or run a command file. */
export type GdbBatch = { readonly break: string } | { readonly script: string };

export interface GdbSession {
  readonly vmlinux?: string;
  /** The stub's socket, as gdb is to name it: relative to the directory gdb runs in. */
  readonly socket: string;
  /** The kernel tree the build came from, for gdb's `directory`. */
  readonly tree?: string;
}

/** The session with a build's vmlinux (its sources two directories up: <tree>/<build>/vmlinux), or without symbols. */
export function gdbSession(vmlinux: string | undefined): GdbSession {
  return vmlinux ? { vmlinux, socket: GDB_SOCKET, tree: dirname(dirname(vmlinux)) } : { socket: GDB_SOCKET };
}

/** gdb-multiarch's arguments to attach to the stub, load vmlinux's symbols and find the sources. */
export function gdbArgs(s: GdbSession): string[] {
  return ['-q', ...(s.vmlinux ? [s.vmlinux] : []), '-ex', `target remote ${s.socket}`, ...(s.tree ? ['-ex', `directory ${s.tree}`] : [])];
}

/** The gdb command a person types, in the directory of the stub's socket. */
export function gdbCommandLine(s: GdbSession): string {
  return shellCommand([GDB, ...gdbArgs(s)]);
}

/** The commands of an unattended session; it detaches at the end, so the boot goes on. */
export function batchCommands(batch: GdbBatch): string[] {
  const work = 'break' in batch ? [`break ${batch.break}`, 'continue', 'bt', 'info registers pc'] : [`source ${batch.script}`];
  return ['set pagination off', 'set confirm off', ...work, 'detach'];
}

/** Run gdb unattended in `dir`, against the stub once QEMU has made its socket there; its output goes to `log`. */
export async function runGdbBatch(s: GdbSession, batch: GdbBatch, dir: string, log: string, cancel: AbortSignal, timeoutMs = 120_000): Promise<RunResult> {
  requireTools(programs(GDB), 'Debugging a boot');
  for (let waited = 0; !existsSync(join(dir, s.socket)) && waited < 10_000 && !cancel.aborted; waited += 50) await new Promise((r) => setTimeout(r, 50));
  return run(GDB, ['-batch', '-nx', ...gdbArgs(s), ...batchCommands(batch).flatMap((c) => ['-ex', c])], { cwd: dir, logFile: log, timeoutMs, cancel });
}
