/**
 * The kernel's printk ring in guest memory: where System.map and .config put it, and its
 * lines read through QEMU's monitor with `memsave` (the vCPUs go on running). Read by the
 * forensics of a silent guest, and on every second of silence to find a crash the console
 * never showed.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES, type ArchName } from '../../arch.ts';
import { isCrashLine } from '../../crash/parse.ts';
import { symbolValue } from '../../crash/symbols.ts';
import { parseKconfig } from '../../kbuild/kconfig.ts';
import { HumanMonitor } from './hmp.ts';
import { decodeLogBuf, INFO_SIZE, type RecoveredLine } from './printk.ts';

export interface PrintkRing {
  readonly arch: ArchName;
  /** __log_buf and its size (CONFIG_LOG_BUF_SHIFT). */
  readonly text: { readonly at: bigint; readonly bytes: number };
  /** _printk_rb_static_infos, the records' metadata, when System.map has it. */
  readonly infos?: { readonly at: bigint; readonly count: number };
}

/** Where the ring is, from the System.map text and the .config; undefined without __log_buf. */
export function locateRing(arch: ArchName, systemMap: string, config?: string): PrintkRing | undefined {
  const word = ARCHES[arch].word;
  const at = symbolValue(systemMap, '__log_buf', word.bytes);
  if (at === undefined) return undefined;
  const shift = Number((config && existsSync(config) ? parseKconfig(readFileSync(config, 'utf8')).get('CONFIG_LOG_BUF_SHIFT') : undefined) ?? 17);
  const infosAt = symbolValue(systemMap, '_printk_rb_static_infos', word.bytes);
  return { arch, text: { at, bytes: 1 << shift }, ...(infosAt !== undefined ? { infos: { at: infosAt, count: 1 << (shift - 5) } } : {}) };
}

/**
 * The ring's lines, through an open monitor; the raw dumps are left in `dir` as
 * `<prefix>log_buf.bin` and `<prefix>printk_infos.bin`. Throws what the monitor says.
 */
export async function readRing(monitor: HumanMonitor, ring: PrintkRing, dir: string, timeoutMs: () => number, prefix = ''): Promise<RecoveredLine[]> {
  const word = ARCHES[ring.arch].word;
  const text = join(dir, `${prefix}log_buf.bin`);
  // Quoted: the monitor would parse a bare path's "/" as division.
  const out = await monitor.command(`memsave 0x${ring.text.at.toString(16)} ${ring.text.bytes} "${text}"`, timeoutMs());
  if (out) throw new Error(`memsave: ${out}`);
  let infos: { buf: Buffer; count: number } | undefined;
  if (ring.infos) {
    const file = join(dir, `${prefix}printk_infos.bin`);
    await monitor.command(`memsave 0x${ring.infos.at.toString(16)} ${ring.infos.count * INFO_SIZE} "${file}"`, timeoutMs());
    if (existsSync(file)) infos = { buf: readFileSync(file), count: ring.infos.count };
  }
  return existsSync(text) ? decodeLogBuf(readFileSync(text), word.bytes, word.bigEndian, infos) : [];
}

/**
 * The first crash line in the ring of a guest whose console went quiet, or undefined (also
 * on any monitor error: the guest may be exiting). Its dumps are removed.
 */
export async function crashInRing(ring: PrintkRing, monitorSocket: string, dir: string, timeoutMs = 500): Promise<string | undefined> {
  let monitor: HumanMonitor | undefined;
  const prefix = '.probe-';
  try {
    monitor = await HumanMonitor.open(monitorSocket, timeoutMs);
    const lines = await readRing(monitor, ring, dir, () => timeoutMs, prefix);
    return lines.find((l) => isCrashLine(l.text))?.text.trim();
  } catch {
    return undefined;
  } finally {
    monitor?.close();
    for (const f of ['log_buf.bin', 'printk_infos.bin']) rmSync(join(dir, `${prefix}${f}`), { force: true });
  }
}
