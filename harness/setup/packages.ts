/** The Debian packages bootlab needs, and why. One table; setup and the tool checks read it. */
export const DEBIAN_PACKAGES = {
  'qemu-system-arm': 'qemu-system-aarch64 and qemu-system-arm (virt machines)',
  'qemu-system-mips': 'qemu-system-mips (malta)',
  'gcc-aarch64-linux-gnu': 'arm64 cross compiler',
  'gcc-arm-linux-gnueabi': 'arm cross compiler',
  'gcc-mips-linux-gnu': 'mips cross compiler',
  // Without these the static guest init does not link (they are only "recommended").
  'libc6-dev-arm64-cross': 'arm64 libc for the static guest init',
  'libc6-dev-armel-cross': 'arm libc for the static guest init',
  'libc6-dev-mips-cross': 'mips libc for the static guest init',
  'linux-source-6.1': 'the default kernel tree, /usr/src/linux-source-6.1.tar.xz',
  ccache: 'compiler cache for kernel builds',
  make: 'kernel builds',
  gcc: 'host programs of the kernel build',
  bc: 'kernel build (timeconst)',
  bison: 'kconfig parser',
  flex: 'kconfig lexer',
  'libssl-dev': 'kernel build host tools',
  'libelf-dev': 'kernel build host tools',
  cpio: 'initramfs archives',
  'xz-utils': 'extracting the kernel tarball',
  patch: 'applying patch series',
  'device-tree-compiler': 'dtc, to add reserved-memory nodes to QEMU device trees',
  git: 'kernel trees given as git checkouts',
  chromium: 'headless browser for the report.html test',
  python3: 'seeded random console for the hostile-console test',
  procps: 'pgrep, with which the tests check that no QEMU or make is left',
} as const satisfies Record<string, string>;

export type DebianPackage = keyof typeof DEBIAN_PACKAGES;
export const PACKAGE_NAMES = Object.keys(DEBIAN_PACKAGES) as DebianPackage[];

/** The exact command a user without root should run. */
export function aptLine(missing: readonly string[]): string {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`;
}
