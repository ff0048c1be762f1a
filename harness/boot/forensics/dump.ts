/**
 * Guest memory as an ELF core, written through QEMU's monitor before a crashed or stuck guest
 * is killed (bootlab boot/rerun --dump). With paging (-p) where QEMU can do it for the arch
 * (QEMU 7.2: x86 only), else physical memory only (arm, arm64; mips cannot be dumped at all):
 * core-view.ts then maps the kernel image into it for gdb.
 */
import { existsSync, rmSync } from 'node:fs';
import { HumanMonitor } from './hmp.ts';

/** A dump takes about a second per GiB here; the largest profile has 4 GiB. */
const DUMP_TIMEOUT_MS = 120_000;

/** The core's path on success, or what QEMU said instead. */
export async function dumpGuestMemory(monitorSocket: string, core: string): Promise<{ core: string } | { error: string }> {
  let monitor: HumanMonitor | undefined;
  try {
    monitor = await HumanMonitor.open(monitorSocket, 2000);
    await monitor.command('stop', 2000);
    // Quoted: the monitor would parse a bare path's "/" as division.
    const paged = await monitor.command(`dump-guest-memory -p "${core}"`, DUMP_TIMEOUT_MS);
    if (existsSync(core) && paged === '') return { core };
    rmSync(core, { force: true });
    const plain = await monitor.command(`dump-guest-memory "${core}"`, DUMP_TIMEOUT_MS);
    if (existsSync(core) && plain === '') return { core };
    rmSync(core, { force: true });
    return { error: `QEMU's dump-guest-memory: ${plain || paged || 'no core was written'}` };
  } catch (error) {
    rmSync(core, { force: true });
    return { error: `QEMU's dump-guest-memory: ${(error as Error).message}` };
  } finally {
    monitor?.close();
  }
}
