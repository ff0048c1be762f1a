/**
 * The result model: what summary.json and each job's result.json hold, and what every output
 * format (JUnit, KCIDB, HTML, Markdown, terminal) and the exit code are computed from. One
 * source of truth for all of them; results/load.ts checks a file against it.
 *
 * A job is typed by its state: not run, its kernel failed to build, or booted. Only a booted
 * job has a machine, a console, crash reports and a CMA check.
 */
import type { ArchName } from '../arch.ts';
import type { CrashSighting, StopReason } from '../boot/console.ts';
import type { CpuState } from '../boot/forensics/registers.ts';
import type { FirstFault } from '../boot/forensics/trace.ts';
import type { GuestReport } from '../boot/guest-report.ts';
import { VERDICTS, type EVIDENCE, type Verdict } from '../boot/verdict.ts';
import type { CmaCheck } from '../cma/check.ts';
import type { CrashReport } from '../crash/types.ts';


export const SUMMARY_SCHEMA_VERSION = 2;

/** A job's state: its boot's verdict, or why there was no boot. */
export const JOB_VERDICTS = [...VERDICTS, 'build-failed', 'not-run'] as const;
export type JobVerdict = (typeof JOB_VERDICTS)[number];

/** ok: every expected area present and right; slot-error: the kernel ran out of CMA slots; any: not checked. */
export const CMA_EXPECTATIONS = ['ok', 'slot-error', 'any'] as const;
export type CmaExpectation = (typeof CMA_EXPECTATIONS)[number];

/** What a matrix expects of one job. Defaults: verdict pass, cma ok. */
export interface Expectation {
  readonly verdict: Verdict;
  /** For crash verdicts: the crash title that must appear (syzbot style). */
  readonly title?: string;
  readonly cma: CmaExpectation;
  /** Why this outcome is expected (shown next to the job). */
  readonly why?: string;
}

/**
 * How a run's exit code is decided (results/exit.ts): "expectations" counts every job that
 * did not do what the matrix expects; "regressions" (bootlab validate) counts only what the
 * series under test made worse than its baseline, and infrastructure failures.
 */
export const GATES = ['expectations', 'regressions'] as const;
export type Gate = (typeof GATES)[number];

export const BUILD_HOWS = ['cached', 'cold', 'incremental'] as const;

export interface BuildRecord {
  readonly arch: ArchName;
  readonly variant: string;
  readonly ok: boolean;
  readonly how?: (typeof BUILD_HOWS)[number];
  readonly durationMs: number;
  /** Copied into the run directory. */
  readonly log: string;
  readonly dir: string;
  readonly errors?: readonly string[];
}

/**
 * The machine a job booted on: QEMU's board, and the profile as resolved for the arch, all
 * that bootlab rerun needs to boot it again.
 */
export interface MachineRecord {
  readonly qemu: string;
  /** "virt", "malta": QEMU's -machine, as tuxrun and LAVA name the device. */
  readonly board: string;
  readonly cpu: string;
  readonly memoryMiB: number;
  readonly smp: number;
  readonly numa?: { readonly nodes: readonly { readonly memoryMiB: number; readonly cpus: readonly number[] }[]; readonly distances?: readonly (readonly number[])[] };
  readonly earlycon: boolean;
  /** The profile's own kernel arguments (cma=64M ...). */
  readonly cmdline: readonly string[];
  /** Reusable shared-dma-pool nodes added to the device tree. */
  readonly reservedPools?: { readonly count: number; readonly sizeMiB: number };
  /** The whole kernel command line, console and profile arguments included. */
  readonly kernelCmdline: string;
}

/** A file a job booted: where it was, and its sha256 then. */
export interface BootedFile {
  readonly path: string;
  readonly sha256: string;
}

/** The kernel a job booted, and what its build left beside it (absolute paths). */
export interface KernelRecord extends BootedFile {
  readonly vmlinux?: string;
  readonly systemMap?: string;
  readonly config?: string;
  /** The bootlab command that builds it again, or why there is none. */
  readonly rebuild: string;
}

/** One boot of a job: an attempt (retry, confirmation) or one of bootlab rerun's repeats. */
export interface BootRecord {
  readonly verdict: Verdict;
  /** What the boot ended in, as the tally counts it: 'pass', 'crash "<title>"', 'hang (stuck vCPU)'. */
  readonly signature: string;
  readonly asExpected: boolean;
  readonly reason: string;
  /** Its console log, relative to the run directory. */
  readonly console: string;
}

/** How many boots of a job ended each way, most first. */
export interface TallyEntry {
  readonly signature: string;
  readonly count: number;
  /** Whether boots ending this way did what the job expects. */
  readonly asExpected: boolean;
}

/** What was read from a silent guest through QEMU's monitor before it was killed. */
export interface ForensicsRecord {
  readonly registers: readonly (CpuState & { readonly pcSymbol?: string; readonly lrSymbol?: string })[];
  /** Plain-words readings of the CPUs ("CPU 0 loops in the abort vector ..."). */
  readonly readings: readonly string[];
  /** Lines decoded from the printk buffer in guest memory (the text is in recovered.log). */
  readonly recoveredLines: number;
  /** The first fault of a CPU stuck in an exception vector, from a short replay with -d int. */
  readonly firstFault?: FirstFault;
  readonly errors: readonly string[];
  readonly durationMs: number;
}

/** The --dump of a crashed or silent guest: files.core, or why there is none. */
export interface DumpRecord {
  /**
   * Where the kernel's linux_banner was found in guest physical memory, hex: the core maps
   * vmlinux's segments there at their link addresses, so gdb reads the guest's values
   * (boot/forensics/core-view.ts).
   */
  readonly bannerAt?: string;
  /** Why there is no core, or why gdb can read only physical addresses from it. */
  readonly error?: string;
}

/** A job's files, relative to the run directory. */
export interface JobFiles {
  /** The raw console bytes. */
  readonly console: string;
  /** Each console line with its time since QEMU started. */
  readonly timedConsole: string;
  readonly result: string;
  readonly cma: string;
  readonly crash?: string;
  /** The printk buffer recovered from a silent guest's memory. */
  readonly recovered?: string;
  /** A POSIX sh script that boots the same machine again with QEMU alone (written before QEMU started). */
  readonly reproduce: string;
  /** What gdb printed, when the boot was run under gdb with --break or --gdb-batch. */
  readonly gdb?: string;
  /** Guest memory as an ELF core (--dump), for gdb or crash with the job's vmlinux. */
  readonly core?: string;
}

interface JobHead {
  /** "<arch>-<variant>-<profile>", unique in a run; also the job's directory name. */
  readonly id: string;
  readonly arch: ArchName;
  /** "baseline", a series ("a", "a+b"), with a config suffix for a non-default config ("baseline@debug"), or "prebuilt" for a kernel given with --kernel. */
  readonly variant: string;
  readonly profile: string;
  readonly expected: Expectation;
  readonly asExpected: boolean;
  /** Why the job is not as expected, one line each. Empty when asExpected. */
  readonly problems: readonly string[];
  /** One line saying why: the panic line, the hang window, QEMU's complaint, the compiler error. */
  readonly reason: string;
}

/** The run stopped (or was interrupted) before this job booted. */
export interface NotRunJob extends JobHead {
  readonly verdict: 'not-run';
}

/** The job's kernel did not build; its errors are in the run's build record. */
export interface BuildFailedJob extends JobHead {
  readonly verdict: 'build-failed';
}

export interface BootedJob extends JobHead {
  readonly verdict: Verdict;
  readonly machine: MachineRecord;
  readonly qemu: { readonly argv: readonly string[]; readonly exitCode?: number; readonly signal?: string; readonly stderr: string };
  readonly stopReason?: StopReason;
  /** When the verdict was known, in ms since QEMU started. */
  readonly decidedAtMs: number;
  readonly durationMs: number;
  /** Where the verdict's evidence came from: the console, or the printk buffer of a silent guest. */
  readonly evidence: (typeof EVIDENCE)[number];
  readonly firstCrash?: CrashSighting;
  readonly crashes: readonly CrashReport[];
  readonly cma: CmaCheck;
  /** What the guest init reported (CMA areas, nodes, command line). */
  readonly guest: GuestReport;
  readonly forensics?: ForensicsRecord;
  readonly dump?: DumpRecord;
  readonly kernel: KernelRecord;
  readonly initrd: BootedFile;
  readonly files: JobFiles;
  /** Every boot of the job, in order; the record's own fields are the reported one's (run/attempts.ts). */
  readonly boots: readonly BootRecord[];
  readonly tally: readonly TallyEntry[];
  /** One real boot did what was expected and another did not (read from the tally). */
  readonly flaky?: boolean;
}

export type JobRecord = NotRunJob | BuildFailedJob | BootedJob;

export function isBooted(job: JobRecord): job is BootedJob {
  return job.verdict !== 'not-run' && job.verdict !== 'build-failed';
}

/** A job's crash reports; none unless it booted. */
export function crashesOf(job: JobRecord): readonly CrashReport[] {
  return isBooted(job) ? job.crashes : [];
}

export const COMPARISON_CLASSES = ['ok', 'regression', 'fixed', 'still-failing', 'flaky'] as const;
export type ComparisonClass = (typeof COMPARISON_CLASSES)[number];

export interface Comparison {
  readonly arch: ArchName;
  readonly profile: string;
  /** Job ids: the baseline's and the compared variant's. */
  readonly baseline: string;
  readonly job: string;
  readonly variant: string;
  readonly class: ComparisonClass;
  readonly reason: string;
}

export const RUN_STATES = ['complete', 'interrupted'] as const;

/** The report files a run directory holds beside summary.json (results/write.ts writes them). */
export const OUTPUT_FILES = ['junit.xml', 'report.html', 'report.md', 'kcidb.json'] as const;

/** A run's id: its start time in UTC, "20261203T191711Z", whichever command started it. */
export function newRunId(started: Date): string {
  return started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export interface RunSummary {
  readonly schema: typeof SUMMARY_SCHEMA_VERSION;
  /** newRunId(startedAt); a directory bootlab names for the run has this name. */
  readonly runId: string;
  /** The matrix's name; "boot" for bootlab boot. */
  readonly matrix: string;
  readonly gate: Gate;
  readonly state: (typeof RUN_STATES)[number];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly bootlab: { readonly version: string; readonly commit?: string };
  /** The kernel source, or for --kernel the image (version "unknown" when it does not say). */
  readonly kernel: { readonly version: string; readonly origin: string; readonly sourceHash: string; readonly gitCommit?: string };
  readonly series: readonly { readonly name: string; readonly hash: string; readonly patches: readonly { readonly file: string; readonly sha256: string }[] }[];
  readonly tools: Readonly<Record<string, string>>;
  readonly builds: readonly BuildRecord[];
  readonly jobs: readonly JobRecord[];
  readonly comparisons: readonly Comparison[];
  readonly counts: { readonly jobs: number; readonly asExpected: number; readonly unexpected: number; readonly regressions: number };
}
