/**
 * The Debian packages bootlab needs, and why, and the programs it runs with the package each
 * comes from: the ones every arch needs from the arch table (QEMU, cross toolchain, libc for
 * the guest init), the rest listed here. Setup installs from this list; every stage checks
 * its programs with it (programs()) before it starts.
 */
import { ARCH_NAMES, ARCHES } from '../arch.ts';

const COMMON_PACKAGES = {
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
  tar: 'extracting the kernel tarball',
  'xz-utils': 'extracting the kernel tarball',
  patch: 'applying patch series',
  'device-tree-compiler': 'dtc, to add reserved-memory nodes to QEMU device trees',
  git: 'kernel trees given as git checkouts',
  chromium: 'headless browser for the report.html test',
  python3: 'seeded random console for the hostile-console test',
  procps: 'pgrep, with which the tests check that no QEMU or make is left',
  'gdb-multiarch': 'gdb for every arch: bootlab boot and rerun --gdb',
} as const satisfies Record<string, string>;

function archPackages(): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, why: string): void => {
    out[name] = out[name] ? `${out[name]}; ${why}` : why;
  };
  for (const arch of ARCH_NAMES) {
    const a = ARCHES[arch];
    add(a.machine.qemuPackage, `${a.machine.qemu} (${arch} ${a.machine.machine})`);
    add(a.toolchainPackage, `${arch} cross compiler`);
    // Without it the static guest init does not link (it is only "recommended").
    add(a.libcPackage, `${arch} libc for the static guest init`);
  }
  return out;
}

/** Programs bootlab runs that are not an arch's, by the package that has them. */
const COMMON_PROGRAMS = {
  make: 'make',
  gcc: 'gcc',
  ccache: 'ccache',
  bison: 'bison',
  flex: 'flex',
  bc: 'bc',
  patch: 'patch',
  dtc: 'device-tree-compiler',
  git: 'git',
  tar: 'tar',
  xz: 'xz-utils',
  'gdb-multiarch': 'gdb-multiarch',
} as const satisfies Record<string, string>;

function archPrograms(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arch of ARCH_NAMES) {
    const a = ARCHES[arch];
    out[a.machine.qemu] = a.machine.qemuPackage;
    // The cross binutils come with the cross compiler.
    for (const tool of ['gcc', 'addr2line', 'nm', 'readelf']) out[`${a.crossCompile}${tool}`] = a.toolchainPackage;
  }
  return out;
}

const PROGRAMS: Readonly<Record<string, string>> = { ...archPrograms(), ...COMMON_PROGRAMS };

/** The programs given, each with the package that has it: what util/tools.ts requireTools() takes. */
export function programs(...names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.map((n) => {
      const pkg = PROGRAMS[n];
      if (pkg === undefined) throw new Error(`bootlab runs ${n} but setup/packages.ts does not say which package has it`);
      return [n, pkg];
    }),
  );
}

/** Every package, with why bootlab needs it. */
export const DEBIAN_PACKAGES: Readonly<Record<string, string>> = { ...archPackages(), ...COMMON_PACKAGES };
export const PACKAGE_NAMES = Object.keys(DEBIAN_PACKAGES);
