/**
 * The QEMU machine each arch boots on. One readonly record per arch, the only place that
 * knows QEMU binaries, consoles and flags.
 */
import type { ArchName } from './arch.ts';

export interface MachineSpec {
  readonly qemu: string;
  /** Debian package that provides the QEMU binary. */
  readonly qemuPackage: string;
  readonly machine: string;
  readonly cpu: string;
  /** Serial console device as the kernel names it. */
  readonly console: string;
  /** Kernel argument that enables the early console for this machine. */
  readonly earlycon: string;
  readonly defaultMemoryMiB: number;
  readonly defaultSmp: number;
  readonly maxSmp: number;
  /** QEMU generates a device tree for this machine (-machine dumpdtb= works, -dtb is honoured). */
  readonly deviceTree: boolean;
  /** Whether bootlab's kernels for this arch can have NUMA (CONFIG_NUMA is selectable). */
  readonly numa: boolean;
  /**
   * Fixed flags. No network (-nic none; also keeps QEMU from looking for efi-virtio.rom,
   * which Debian's minimal QEMU lacks), no display, no reboot: a guest reset ends QEMU.
   */
  readonly extraArgs: readonly string[];
}

export const MACHINES = {
  arm64: {
    qemu: 'qemu-system-aarch64',
    qemuPackage: 'qemu-system-arm',
    machine: 'virt',
    cpu: 'cortex-a57',
    console: 'ttyAMA0',
    earlycon: 'earlycon=pl011,0x9000000',
    defaultMemoryMiB: 1024,
    defaultSmp: 2,
    maxSmp: 8,
    deviceTree: true,
    numa: true,
    extraArgs: ['-nographic', '-no-reboot', '-nic', 'none'],
  },
  arm: {
    qemu: 'qemu-system-arm',
    qemuPackage: 'qemu-system-arm',
    machine: 'virt',
    cpu: 'cortex-a15',
    console: 'ttyAMA0',
    earlycon: 'earlycon=pl011,0x9000000',
    defaultMemoryMiB: 1024,
    defaultSmp: 2,
    maxSmp: 4,
    deviceTree: true,
    numa: false,
    extraArgs: ['-nographic', '-no-reboot', '-nic', 'none'],
  },
  mips: {
    qemu: 'qemu-system-mips',
    qemuPackage: 'qemu-system-mips',
    machine: 'malta',
    cpu: '24Kf',
    console: 'ttyS0',
    earlycon: 'earlycon=uart8250,io,0x3f8',
    defaultMemoryMiB: 256,
    defaultSmp: 1,
    maxSmp: 1,
    deviceTree: false,
    numa: false,
    // Without -vga none malta looks for vgabios-cirrus.bin, which is not installed.
    // Malta's estimate_frequencies() waits for two rising edges of the RTC's update flag, a
    // 244 us window once a second: 1-2 s of every boot on a real-time RTC, and under host load
    // the polling loop misses windows and a boot took up to 5.5 s. With the RTC on the virtual
    // clock and instruction counting (256 ns per instruction) the wait is a fixed number of
    // instructions: three boots at once take 2.0 s instead of 3.5 s, and the kernel sees a
    // consistent (slow) CPU and clock. Not sleep=off: an idle guest then spins QEMU's vCPU
    // thread and starves its monitor, which the hang forensics need.
    extraArgs: ['-nographic', '-no-reboot', '-nic', 'none', '-vga', 'none', '-rtc', 'clock=vm', '-icount', 'shift=8'],
  },
} as const satisfies Record<ArchName, MachineSpec>;
