/**
 * Every command: what it is for and the options it takes, as data. Each implementation
 * (cli/commands/<name>.ts) is loaded only when its command runs, so `bootlab --help` and
 * `bootlab report <log>` start without loading QEMU handling, builds or report writers.
 */
import { ARCH_NAMES } from '../arch.ts';
import type { Command, OptionSpec } from './command.ts';

const arches = ARCH_NAMES.join(', ');

/** Options of every command that runs jobs; cli/run-matrix.ts reads their values. */
export const RUN_OPTIONS = {
  'kernel-src': { type: 'string', description: 'kernel tree to build (default: Debian linux-source-6.1)' },
  parallel: { type: 'string', description: 'boots at once (default: cores + 1)' },
  inactivity: { type: 'string', description: "seconds of console silence that make a hang (default 30, or the matrix's)" },
  timeout: { type: 'string', description: 'overall seconds per boot (default 300)' },
  out: { type: 'string', description: 'run directory (default: results/<run-id>)' },
  profiles: { type: 'string', description: 'profile file (default: configs/profiles.json)' },
} as const satisfies Readonly<Record<string, OptionSpec>>;

/** The job filters of run, repro and validate, and --resume; cli/run-matrix.ts reads their values. */
export const FILTER_OPTIONS = {
  arch: { type: 'string', description: 'only these arches (comma-separated)' },
  profile: { type: 'string', description: 'only these profiles (comma-separated)' },
  variant: { type: 'string', description: 'only these variants (comma-separated)' },
  only: { type: 'string', description: 'only jobs whose id (<arch>-<variant>-<profile>) matches this glob' },
  shard: { type: 'string', description: 'run the K-th of N deterministic slices, as K/N' },
  resume: { type: 'string', description: 'finish an interrupted run directory: only jobs not yet done' },
} as const satisfies Readonly<Record<string, OptionSpec>>;

const MATRIX_OPTIONS = { ...FILTER_OPTIONS, ...RUN_OPTIONS };

/** Debugging a boot: boot and rerun (read by cli/run-matrix.ts debugOptions). */
const DEBUG_OPTIONS = {
  gdb: { type: 'boolean', default: false, description: 'start paused with a gdb stub (gdb.sock in the job directory), KASLR off; prints the gdb-multiarch command' },
  break: { type: 'string', description: 'run gdb unattended: stop at this function, print the backtrace into gdb.log, let the boot go on (implies --gdb)' },
  'gdb-batch': { type: 'string', description: 'run gdb unattended with this file of commands, its output in gdb.log (implies --gdb)' },
  dump: { type: 'boolean', default: false, description: 'when a boot crashes or hangs, write guest memory to core.elf in the job directory' },
} as const satisfies Readonly<Record<string, OptionSpec>>;

const PREMERGE_MATRIX = 'premerge-cma-dynamic-areas';

export const COMMANDS: Readonly<Record<string, Command>> = {
  build: {
    summary: 'build kernels for the given arches, baseline and with a patch series',
    options: {
      arch: { type: 'string', default: ARCH_NAMES.join(','), description: `comma-separated arches (${arches})` },
      series: { type: 'string', default: 'none', description: 'patch series under patches/ or a path (comma-separated variants; a+b stacks b on a; @debug builds with the debug fragments, baseline@debug too), or none' },
      'kernel-src': RUN_OPTIONS['kernel-src'],
      fragments: { type: 'string', description: 'comma-separated feature fragments (default: per arch)' },
      jobs: { type: 'string', description: 'make -j (default: number of cores)' },
      json: { type: 'boolean', default: false, description: 'print the build outcomes as JSON' },
    },
    load: () => import('./commands/build.ts'),
  },
  boot: {
    summary: 'build (or reuse) kernels and boot them in QEMU with the given profiles: a one-group matrix',
    options: {
      arch: { type: 'string', default: 'arm64', description: `comma-separated arches (${arches})` },
      profile: { type: 'string', default: 'default', description: 'comma-separated boot profiles' },
      series: { type: 'string', default: 'none', description: 'boot the kernel patched with this series too (comma-separated variants; a+b stacks b on a; @debug builds with the debug fragments)' },
      kernel: { type: 'string', description: 'boot this prebuilt image instead of building (one arch)' },
      ...RUN_OPTIONS,
      ...DEBUG_OPTIONS,
      json: { type: 'boolean', default: false, description: 'print the run summary (summary.json) on stdout' },
    },
    load: () => import('./commands/boot.ts'),
  },
  rerun: {
    summary: 'boot a job again, as it was booted (same kernel, initramfs, machine), as often as asked, and tally how each boot ended',
    options: {
      job: { type: 'string', description: 'the job of a run directory to boot again (not needed with a job directory)' },
      repeat: { type: 'string', default: '1', description: 'boots, each in its own directory; their tally is printed and recorded' },
      parallel: RUN_OPTIONS.parallel,
      inactivity: RUN_OPTIONS.inactivity,
      timeout: RUN_OPTIONS.timeout,
      out: RUN_OPTIONS.out,
      ...DEBUG_OPTIONS,
    },
    positionals: '<job-dir> | <run-dir> --job ID',
    load: () => import('./commands/rerun.ts'),
  },
  run: {
    summary: 'run a matrix (configs/<name>.json): builds, boots, checks, comparisons, reports',
    options: MATRIX_OPTIONS,
    positionals: '<matrix>',
    load: () => import('./commands/run.ts'),
  },
  repro: {
    summary: 'run a reproduction scenario (configs/<scenario>.json); passes when every job does what the scenario expects',
    options: MATRIX_OPTIONS,
    positionals: '<scenario>',
    load: () => import('./commands/repro.ts'),
  },
  validate: {
    summary: 'pre-merge validation: baseline vs a series over the pre-merge matrix; exit 1 on any regression',
    options: {
      series: { type: 'string', description: 'the series under test (name under patches/, a+b, or a path; @debug runs baseline and series with the debug fragments)' },
      matrix: { type: 'string', default: PREMERGE_MATRIX, description: 'matrix whose jobs are run for baseline and the series' },
      ...MATRIX_OPTIONS,
    },
    load: () => import('./commands/validate.ts'),
  },
  bisect: {
    summary: 'find the patch of a series that makes a job fail the way the whole series does; exit 0 found, 1 inconclusive, 3 infrastructure',
    options: {
      series: { type: 'string', description: 'the series to bisect (name under patches/, a+b, or a path; @debug with the debug fragments)' },
      arch: { type: 'string', description: `the job's arch (one of ${arches})` },
      profile: { type: 'string', description: "the job's boot profile" },
      repeat: { type: 'string', description: 'boots per step (default 1): good needs every boot to pass, bad one boot failing like the series' },
      'any-failure': { type: 'boolean', default: false, description: 'count any failure as bad, not only the whole series\' signature' },
      out: { type: 'string', description: 'bisection directory (default: results/bisect-<run-id>)' },
      resume: { type: 'string', description: 'continue the bisection in this directory; finished steps are not redone' },
      json: { type: 'boolean', default: false, description: 'print bisect.json on stdout' },
      'kernel-src': RUN_OPTIONS['kernel-src'],
      inactivity: RUN_OPTIONS.inactivity,
      timeout: RUN_OPTIONS.timeout,
      profiles: RUN_OPTIONS.profiles,
    },
    load: () => import('./commands/bisect.ts'),
  },
  merge: {
    summary: 'combine shard runs (--shard K/N) into one summary, JUnit, KCIDB and report',
    options: {
      out: { type: 'string', description: 'directory for the merged results (required)' },
    },
    positionals: '<run-dir>...',
    load: () => import('./commands/merge.ts'),
  },
  setup: {
    summary: 'install the Debian packages bootlab needs (only the missing ones)',
    options: {},
    load: () => import('./commands/setup.ts'),
  },
  report: {
    summary: 'print the crash reports in console logs, frames resolved to file:line with --vmlinux',
    options: {
      vmlinux: { type: 'string', description: 'the vmlinux that printed the logs: adds file:line to every frame (lines need CONFIG_DEBUG_INFO)' },
      arch: { type: 'string', description: `arch of --vmlinux, choosing its binutils (${arches}; default: from its ELF header)` },
      json: { type: 'boolean', default: false, description: 'one JSON object per log and line: {"file": ..., "reports": [...]}' },
    },
    positionals: '<console log>... | <run-dir>',
    load: () => import('./commands/report.ts'),
  },
};
