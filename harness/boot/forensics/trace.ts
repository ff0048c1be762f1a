/**
 * A short re-run of a silent guest with QEMU's exception log (-d int) to name the first
 * fault and its address — for hangs that die before printk records anything. Bounded in
 * time and size: the log grows by tens of MB per second once the CPU loops in a vector.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { killGroup } from '../../util/children.ts';
import { start } from '../../util/proc.ts';
import { qemuCommand, type QemuInputs } from '../qemu.ts';

export interface FirstFault {
  /** "Data Abort", "Prefetch Abort", "Undefined Instruction", … as QEMU names it. */
  readonly exception: string;
  /** The faulting address (DFAR/IFAR on arm, FAR on arm64, BadVAddr on mips) when logged. */
  readonly address?: string;
  /** The status register QEMU printed with it (DFSR/IFSR/ESR). */
  readonly status?: string;
  /** The exception lines as logged. */
  readonly lines: readonly string[];
}

/** Pure: the first fault-type exception in a -d int log. Interrupts and syscalls are skipped. */
export function firstFault(log: string): FirstFault | undefined {
  const lines = log.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^Taking exception \d+ \[([^\]]+)\]/.exec(lines[i]!);
    if (!m || /IRQ|FIQ|SVC|Supervisor Call|Semihosting|WFI|Hypervisor/.test(m[1]!)) continue;
    const block = [lines[i]!];
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('...'); j++) block.push(lines[j]!);
    const text = block.join('\n');
    const address = /\b(?:DFAR|IFAR|FAR)\s+(0x[0-9a-f]+)/i.exec(text)?.[1];
    const status = /\b(DFSR|IFSR)\s+(0x[0-9a-f]+)/i.exec(text) ?? /\b(ESR)\s+(0x[0-9a-f/x]+)/i.exec(text);
    return { exception: m[1]!, ...(address ? { address } : {}), ...(status ? { status: `${status[1]} ${status[2]}` } : {}), lines: block };
  }
  return undefined;
}

const TIME_LIMIT_MS = 3000;
// With the monitor step (boot.ts, 1.5 s at most) the whole forensic step stays under 5 s.
const SIZE_CAP = 8 * 2 ** 20;

function head(path: string, bytes: number): string {
  if (!existsSync(path)) return '';
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(bytes, statSync(path).size));
    readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('latin1');
  } finally {
    closeSync(fd);
  }
}

export async function traceFirstFault(inputs: Omit<QemuInputs, 'exceptionLog' | 'monitorSocket'>, outDir: string): Promise<FirstFault | undefined> {
  const log = join(outDir, 'exceptions.log');
  const { file, args } = await qemuCommand({ ...inputs, exceptionLog: log });
  const child = start(file, args, 'ignore');
  const started = Date.now();
  const timer = setInterval(() => {
    const size = existsSync(log) ? statSync(log).size : 0;
    if (Date.now() - started > TIME_LIMIT_MS || size > SIZE_CAP || firstFault(head(log, 256 * 1024))) {
      if (child.pid !== undefined) killGroup(child.pid);
    }
  }, 100);
  await child.exited;
  clearInterval(timer);
  // The log is kept only as far as the first fault needs; the rest is the loop repeating.
  return firstFault(head(log, SIZE_CAP));
}
