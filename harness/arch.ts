/**
 * What it takes to build a kernel for each architecture. One readonly record per arch;
 * adding an arch adds a row here (and a base fragment in configs/kconfig), never logic.
 */
import { UserError } from './util/errors.ts';
import { commaList } from './util/lists.ts';

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
}

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
  },
} as const satisfies Record<string, ArchSpec>;

export type ArchName = keyof typeof ARCHES;
export const ARCH_NAMES = Object.keys(ARCHES) as ArchName[];

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
