/**
 * Everything bootlab knows about an architecture, in one readonly record per arch: how to
 * build its kernel, which Debian packages provide the tools, the QEMU machine it boots on,
 * and the facts the later stages read (word size and byte order for guest memory, the
 * gigantic page for hugetlb_cma, the CPU states that can never make progress). Adding an
 * arch adds a row here (and a base fragment in configs/kconfig), never logic.
 */
import { UserError } from './util/errors.ts';
import { commaList } from './util/lists.ts';

/** The QEMU machine an arch boots on. */
export interface MachineSpec {
  readonly qemu: string;
  /** Debian package that provides the QEMU binary. */
  readonly qemuPackage: string;
  /** QEMU's board ("virt", "malta"), as tuxrun and LAVA name the device. */
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

/** Where `info registers` of QEMU's monitor shows a CPU's state; the first pattern that matches wins. */
export interface RegisterPatterns {
  readonly pc: readonly RegExp[];
  /** The return address register. */
  readonly lr: readonly RegExp[];
  /** The mode or exception level. */
  readonly mode: readonly RegExp[];
}

/**
 * A CPU state that can never make progress again: the CPU is in `mode` at a pc matching
 * `pc`, and every instruction it fetches there faults back into the same place.
 */
export interface DeadLoop {
  readonly mode: string;
  readonly pc: RegExp;
  /** "the abort vector": where the CPU loops. */
  readonly where: string;
  /** What the loop means for the boot, in a kernel developer's words. */
  readonly why: string;
}

/**
 * The debug fragments (configs/kconfig/debug-*.config). KASAN and KFENCE need the arch's
 * HAVE_ARCH_KASAN and HAVE_ARCH_KFENCE, which 6.1 has on arm64 and arm, not on mips.
 */
export const DEBUG_FRAGMENTS = ['debug-locking', 'debug-kasan', 'debug-ubsan', 'debug-kfence', 'debug-objects', 'debug-list', 'debug-kmemleak', 'debug-lockups'] as const;
export type DebugFragment = (typeof DEBUG_FRAGMENTS)[number];

export interface ArchSpec {
  /** ARCH= for the kernel's make. */
  readonly linuxArch: string;
  /** CROSS_COMPILE= prefix of the Debian cross toolchain. */
  readonly crossCompile: string;
  /** Debian package that provides that toolchain. */
  readonly toolchainPackage: string;
  /** libc for the static guest init (only "recommended" by the compiler package). */
  readonly libcPackage: string;
  /** The make target that produces the bootable image. */
  readonly imageTarget: string;
  /** The bootable image, relative to the build directory. */
  readonly imagePath: string;
  /** configs/kconfig/<baseFragment>.config: allnoconfig plus what this machine needs for a console. */
  readonly baseFragment: string;
  /** Feature fragments built in by default, in merge order. */
  readonly defaultFragments: readonly string[];
  /**
   * What a debug kernel (variant `<series>@debug`) adds to the default fragments, in merge
   * order: only the detectors 6.1 has on this arch, so every symbol sticks.
   */
  readonly debugFragments: readonly DebugFragment[];
  /** ELF e_machine of its vmlinux (elf.h), to tell the arch of a vmlinux given alone. */
  readonly elfMachine: number;
  /**
   * The kernel's word: pointers and printk ids in guest memory, and the width of addresses.
   * A 32-bit System.map may print addresses sign-extended to 64 bits (mips); they are read
   * modulo the word size.
   */
  readonly word: { readonly bytes: 4 | 8; readonly bigEndian: boolean };
  /**
   * The smallest hugetlb_cma area: a gigantic page (PUD order). Absent where 6.1 never calls
   * hugetlb_cma_reserve(), so hugetlb_cma= makes no area.
   */
  readonly hugetlbCmaMinBytes?: number;
  readonly machine: MachineSpec;
  readonly registers: RegisterPatterns;
  /** CPU states that are certain dead loops; an arch without any is never probed for one. */
  readonly deadLoops: readonly DeadLoop[];
  /** Modes worth naming in a silent guest's CPU reading: abt32 "is in abort mode" (`is`): "an abort is being handled" (`means`). */
  readonly modeReadings: Readonly<Record<string, { readonly is: string; readonly means: string }>>;
}

const VIRT_ARGS = ['-nographic', '-no-reboot', '-nic', 'none'] as const;

export const ARCHES = {
  arm64: {
    linuxArch: 'arm64',
    crossCompile: 'aarch64-linux-gnu-',
    toolchainPackage: 'gcc-aarch64-linux-gnu',
    libcPackage: 'libc6-dev-arm64-cross',
    imageTarget: 'Image',
    imagePath: 'arch/arm64/boot/Image',
    baseFragment: 'base-arm64',
    defaultFragments: ['cma', 'cma-debugfs', 'numa', 'hugetlb', 'pernuma', 'cma-areas-7', 'debug-info'],
    debugFragments: DEBUG_FRAGMENTS,
    elfMachine: 183,
    word: { bytes: 8, bigEndian: false },
    hugetlbCmaMinBytes: 2 ** 30, // 4K pages: PUD_SIZE = 1 GiB
    machine: {
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
      extraArgs: VIRT_ARGS,
    },
    registers: { pc: [/\bPC=([0-9a-f]+)/i], lr: [/\bX30=([0-9a-f]+)/i], mode: [/PSTATE=\S+\s+\S+\s+(EL\d[th]?)/] },
    deadLoops: [],
    modeReadings: {},
  },
  arm: {
    linuxArch: 'arm',
    crossCompile: 'arm-linux-gnueabi-',
    toolchainPackage: 'gcc-arm-linux-gnueabi',
    libcPackage: 'libc6-dev-armel-cross',
    imageTarget: 'zImage',
    imagePath: 'arch/arm/boot/zImage',
    baseFragment: 'base-arm',
    defaultFragments: ['cma', 'cma-debugfs'],
    debugFragments: DEBUG_FRAGMENTS,
    elfMachine: 40,
    word: { bytes: 4, bigEndian: false },
    machine: {
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
      extraArgs: VIRT_ARGS,
    },
    registers: {
      pc: [/\bR15=([0-9a-f]+)/i],
      lr: [/\bR14=([0-9a-f]+)/i],
      mode: [/PSR=[0-9a-f]+\s+\S+\s+\S+\s+\S+\s+(\w+32)/i, /\b(usr32|fiq32|irq32|svc32|mon32|abt32|hyp32|und32|sys32)\b/],
    },
    // At the high vectors before the kernel has mapped them, every fetch aborts again, into
    // the same vector: the patched 6.1 kernel's CMA reservation before paging_init() ends here.
    deadLoops: [{ mode: 'abt32', pc: /^ffff00[01][0-9a-f]$/, where: 'the abort vector', why: "an abort taken before the kernel's exception vectors were set up" }],
    modeReadings: { abt32: { is: 'is in abort mode', means: 'a data or prefetch abort is being handled' } },
  },
  mips: {
    linuxArch: 'mips',
    crossCompile: 'mips-linux-gnu-',
    toolchainPackage: 'gcc-mips-linux-gnu',
    libcPackage: 'libc6-dev-mips-cross',
    // malta boots the ELF vmlinux directly.
    imageTarget: 'vmlinux',
    imagePath: 'vmlinux',
    baseFragment: 'base-mips',
    defaultFragments: ['cma', 'cma-debugfs'],
    // No HAVE_ARCH_KASAN or HAVE_ARCH_KFENCE on mips in 6.1. No lockup detectors: on malta's
    // instruction-counted clock (-icount shift=8, below) guest time runs 15-80 times faster than
    // the host's, so the debug kernel's own boot work looked like a soft lockup ("stuck for
    // 24s!" 1.5 s into the boot) and the watchdog's reports then starved the boot for good.
    debugFragments: ['debug-locking', 'debug-ubsan', 'debug-objects', 'debug-list', 'debug-kmemleak'],
    elfMachine: 8,
    word: { bytes: 4, bigEndian: true },
    machine: {
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
      extraArgs: [...VIRT_ARGS, '-vga', 'none', '-rtc', 'clock=vm', '-icount', 'shift=8'],
    },
    registers: { pc: [/\bpc=0x([0-9a-f]+)/i], lr: [/\bra\s*[= ]\s*(?:0x)?([0-9a-f]{8})/i, /GPR28:.*?\n.*?([0-9a-f]{8})\s*$/im], mode: [] },
    deadLoops: [],
    modeReadings: {},
  },
} as const satisfies Record<string, ArchSpec>;

export type ArchName = keyof typeof ARCHES;
export const ARCH_NAMES = Object.keys(ARCHES) as ArchName[];

/** An arch's record, typed as the interface (the table's literal types are narrower). */
export function archSpec(arch: ArchName): ArchSpec {
  return ARCHES[arch];
}

export function isArchName(name: string): name is ArchName {
  return Object.hasOwn(ARCHES, name);
}

/** Parse a comma-separated --arch value; an unknown name's error lists the valid ones. */
export function parseArchList(value: string, origin = '--arch'): ArchName[] {
  const names = commaList(value);
  if (names.length === 0) throw new UserError(`${origin} is empty: give one or more of ${ARCH_NAMES.join(', ')}.`);
  const unknown = names.filter((n) => !isArchName(n));
  if (unknown.length > 0) {
    throw new UserError(
      `${origin}: unknown architecture ${unknown.map((n) => `"${n}"`).join(', ')}. ` +
        `bootlab knows ${ARCH_NAMES.join(', ')}.`,
    );
  }
  return [...new Set(names)] as ArchName[];
}
