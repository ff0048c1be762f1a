/**
 * KCIDB, KernelCI's common results format, so a run can be submitted with `kcidb-submit` or
 * checked with `kcidb-validate`. Pure: RunSummary in, a JSON-ready object out.
 *
 * Follows schema v4.3 (kcidb-io kcidb_io/schema/v04_03.py), the version the KernelCI
 * dashboard documents; every field used here is unchanged up to v4.5. Mapping:
 * - one checkout per variant: the kernel source, plus the variant's patches;
 * - one build per (arch, variant) kernel;
 * - two tests per job: "boot.<profile>" and "boot.<profile>.cma".
 *
 * Statuses say what the kernel did, not whether the matrix expected it: an expected crash is
 * still a FAIL (KCIDB consumers compare statuses across checkouts themselves). The expectation
 * and bootlab's verdict travel in misc.
 *
 * KCIDB objects have no null fields: an unknown value is left out ("data is missing").
 * RunSummary has no start time per build or job, so only checkouts carry start_time.
 */
import { createHash } from 'node:crypto';
import { ARCHES } from '../arch.ts';
import { UserError } from '../util/errors.ts';
import { cmaProblems } from '../cma/check.ts';
import { formatTally } from './tally.ts';
import { crashesOf, isBooted, type JobRecord, type RunSummary } from './model.ts';
import { cmaOutcome, kernelsOf, seconds, variantsOf, verdictText, type Kernel } from './outcome.ts';
import { BASELINE, configFragments, DEFAULT_CONFIG, parseVariant, variantName } from '../variant.ts';

export const KCIDB_VERSION = { major: 4, minor: 3 } as const;

/** v4 test status, highest priority first. */
export type KcidbStatus = 'FAIL' | 'ERROR' | 'MISS' | 'PASS' | 'DONE' | 'SKIP';

type Misc = Readonly<Record<string, unknown>>;

export interface KcidbCheckout {
  readonly id: string;
  readonly origin: string;
  readonly git_commit_hash?: string;
  readonly patchset_hash?: string;
  readonly comment?: string;
  readonly start_time?: string;
  readonly valid?: boolean;
  readonly misc?: Misc;
}

export interface KcidbBuild {
  readonly id: string;
  readonly origin: string;
  readonly checkout_id: string;
  readonly comment?: string;
  readonly duration?: number;
  readonly architecture?: string;
  readonly compiler?: string;
  readonly config_name?: string;
  readonly log_url?: string;
  readonly log_excerpt?: string;
  readonly valid?: boolean;
  readonly misc?: Misc;
}

export interface KcidbTest {
  readonly id: string;
  readonly origin: string;
  readonly build_id: string;
  readonly path?: string;
  readonly comment?: string;
  readonly status?: KcidbStatus;
  readonly duration?: number;
  readonly log_url?: string;
  readonly log_excerpt?: string;
  readonly environment?: { readonly comment?: string; readonly misc?: Misc };
  readonly misc?: Misc;
}

export interface KcidbData {
  readonly version: { readonly major: 4; readonly minor: number };
  readonly checkouts: readonly KcidbCheckout[];
  readonly builds: readonly KcidbBuild[];
  readonly tests: readonly KcidbTest[];
}

export interface KcidbOptions {
  /**
   * Where the run directory is published. Without it, log_url holds run-relative paths,
   * which suit a local archive but are not the absolute URIs a KCIDB database expects.
   */
  readonly baseUrl?: string;
}

/** The schema's origin pattern. */
const ORIGIN = /^[a-z0-9_]+$/;
/** The schema's test path pattern. */
const PATH_UNSAFE = /[^.a-zA-Z0-9_-]/g;
/** v4 caps every log_excerpt at 16 KiB. */
const EXCERPT_MAX = 16384;

const excerpt = (s: string): string => (s.length <= EXCERPT_MAX ? s : `${s.slice(0, EXCERPT_MAX - 4)}\n...`);

/** KCIDB's patchset_hash: sha256 over the patches' sha256 hashes, each newline-terminated. */
export function patchsetHash(patchSha256s: readonly string[]): string {
  return patchSha256s.length === 0 ? '' : createHash('sha256').update(patchSha256s.map((h) => `${h}\n`).join('')).digest('hex');
}

/** The boot test's status from bootlab's verdict. */
export function bootStatus(verdict: JobRecord['verdict']): KcidbStatus {
  switch (verdict) {
    case 'pass':
      return 'PASS';
    case 'crash':
    case 'hang':
      return 'FAIL';
    // QEMU itself failed: the test did not complete and the kernel's state is unknown.
    case 'qemu-error':
      return 'ERROR';
    // Nothing booted: the harness lost the machine, the kernel did not build, or the run stopped first.
    case 'infra-error':
    case 'build-failed':
    case 'not-run':
      return 'MISS';
  }
}

/** The CMA test's status: what the guest reported, PASS or FAIL; SKIP when nothing was checked. */
export function cmaStatus(job: JobRecord): KcidbStatus {
  if (job.verdict !== 'pass') return 'SKIP';
  return job.cma.ok ? 'PASS' : 'FAIL';
}

export function toKcidb(summary: RunSummary, origin = 'bootlab', options: KcidbOptions = {}): KcidbData {
  if (!ORIGIN.test(origin)) {
    throw new UserError(`KCIDB origin "${origin}" is not valid: an origin is lowercase letters, digits and underscores (schema pattern ^[a-z0-9_]+$), e.g. "bootlab".`);
  }
  const url = (path: string): string => (options.baseUrl ? new URL(path, options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`).href : path);
  const run = `${origin}:${summary.runId}`;
  const checkoutId = (variant: string): string => `${run}:${variant}`;
  const buildId = (k: { arch: string; variant: string }): string => `${run}:${k.arch}:${k.variant}`;
  const kernels = kernelsOf(summary);

  // A checkout is the tree and its patches: the variants of one series built with different
  // configs ("baseline", "baseline@debug") are builds of one checkout.
  const checkoutOf = (variant: string): string => variantName(parseVariant(variant, 'variant').series, DEFAULT_CONFIG);
  const checkouts = [...new Set(variantsOf(summary).map(checkoutOf))].map((variant): KcidbCheckout => {
    // A stacked variant ("a+b") is recorded under its whole name, as one series of all its patches.
    const whole = summary.series.find((s) => s.name === variant);
    const names = variant === BASELINE ? [] : whole ? [variant] : variant.split('+');
    const series = names.map((n) => summary.series.find((s) => s.name === n));
    const known = series.every((s) => s !== undefined);
    const built = kernels.some((k) => checkoutOf(k.variant) === variant && k.build?.ok);
    const gitCommit = summary.kernel.gitCommit;
    return {
      id: checkoutId(variant),
      origin,
      ...(gitCommit && /^[0-9a-f]{40}$/.test(gitCommit) ? { git_commit_hash: gitCommit } : {}),
      // Unknown, not empty, when the summary lacks one of the series the variant names.
      ...(known ? { patchset_hash: patchsetHash(series.flatMap((s) => s!.patches.map((p) => p.sha256))) } : {}),
      comment: variant === BASELINE ? `Linux ${summary.kernel.version}` : `Linux ${summary.kernel.version} + ${variant}`,
      start_time: summary.startedAt,
      // The patches applied if anything built; a failed build says nothing about the checkout.
      ...(built ? { valid: true } : {}),
      misc: {
        run_id: summary.runId,
        matrix: summary.matrix,
        variant,
        kernel_origin: summary.kernel.origin,
        kernel_source_hash: summary.kernel.sourceHash,
        series: series.filter((s) => s !== undefined).map((s) => ({ name: s.name, hash: s.hash, patches: s.patches.map((p) => p.file) })),
        bootlab_version: summary.bootlab.version,
        ...(summary.bootlab.commit ? { bootlab_commit: summary.bootlab.commit } : {}),
      },
    };
  });

  const builds = kernels.map((k): KcidbBuild => {
    const spec = ARCHES[k.arch];
    const gcc = summary.tools[`${spec.crossCompile}gcc`];
    const b = k.build;
    return {
      id: buildId(k),
      origin,
      checkout_id: checkoutId(checkoutOf(k.variant)),
      comment: `${k.arch} ${k.variant}`,
      architecture: k.arch,
      // Boot runs build each arch with its table's fragments for the variant's config, merged in this order.
      config_name: [spec.baseFragment, ...configFragments(spec, parseVariant(k.variant, 'variant').config)].join('+'),
      ...(gcc ? { compiler: `${spec.crossCompile}gcc ${gcc}` } : {}),
      ...(b
        ? {
            duration: seconds(b.durationMs),
            log_url: url(b.log),
            valid: b.ok,
            ...(b.errors && b.errors.length > 0 ? { log_excerpt: excerpt(b.errors.join('\n')) } : {}),
            misc: { ...(b.how ? { how: b.how } : {}) },
          }
        : { misc: { note: 'no build record: the run stopped before this kernel was built' } }),
    };
  });

  const tests = kernels.flatMap((k) => k.jobs.flatMap((j) => jobTests(j, k, buildId(k), origin, run, url)));
  return { version: KCIDB_VERSION, checkouts, builds, tests };
}

function jobTests(j: JobRecord, k: Kernel, build_id: string, origin: string, run: string, url: (p: string) => string): KcidbTest[] {
  const path = `boot.${j.profile.replace(PATH_UNSAFE, '_')}`;
  const booted = isBooted(j) ? j : undefined;
  const crashes = crashesOf(j);
  const crashText = crashes.map((c) => [c.title, ...c.excerpt].join('\n')).join('\n\n');
  const log = booted ? { log_url: url(booted.files.console) } : {};
  const expectation = {
    expected: { ...j.expected },
    as_expected: j.asExpected,
    ...(j.problems.length > 0 ? { problems: [...j.problems] } : {}),
  };
  const boot: KcidbTest = {
    id: `${run}:${j.id}:boot`,
    origin,
    build_id,
    path,
    status: bootStatus(j.verdict),
    comment: `${j.arch} ${j.variant} ${j.profile}: ${verdictText(j)}`,
    ...(booted ? { duration: seconds(booted.durationMs) } : {}),
    ...log,
    // The crash reports, or the compiler's errors: the lines of a log that explain the status.
    ...(crashText ? { log_excerpt: excerpt(crashText) } : {}),
    ...(j.verdict === 'build-failed' && k.build?.errors?.length ? { log_excerpt: excerpt(k.build.errors.join('\n')) } : {}),
    // The emulator and board, as tuxrun would name the device: "qemu-system-aarch64 -machine virt".
    ...(booted ? { environment: { comment: `${booted.machine.qemu} -machine ${booted.machine.board}`, misc: { qemu_argv: [...booted.qemu.argv] } } } : {}),
    misc: {
      job_id: j.id,
      verdict: j.verdict,
      reason: j.reason,
      ...expectation,
      ...(booted
        ? {
            boots: booted.boots.map((b) => b.verdict),
            tally: formatTally(booted.tally),
            ...(booted.flaky !== undefined ? { flaky: booted.flaky } : {}),
            files: Object.fromEntries(Object.entries(booted.files).map(([key, v]) => [key, url(v as string)])),
          }
        : { boots: [] }),
      crashes: crashes.map((c) => ({
        title: c.title,
        kind: c.kind,
        corrupted: c.corrupted,
        ...(c.guiltyFunction ? { guilty_function: c.guiltyFunction } : {}),
        ...(c.panic ? { panic: c.panic } : {}),
      })),
    },
  };
  const outcome = cmaOutcome(j);
  const cma: KcidbTest = {
    id: `${run}:${j.id}:cma`,
    origin,
    build_id,
    path: `${path}.cma`,
    status: cmaStatus(j),
    comment: `${j.arch} ${j.variant} ${j.profile} CMA: ${outcome.message}`,
    ...(booted ? { log_url: url(booted.files.cma) } : {}),
    ...(booted && !booted.cma.ok ? { log_excerpt: excerpt(cmaProblems(booted.cma).join('\n')) } : {}),
    misc: {
      job_id: j.id,
      expected_cma: j.expected.cma,
      judged: outcome.status,
      ...(booted
        ? {
            rows: booted.cma.rows.map((r) => ({ ...r })),
            expected_total_bytes: booted.cma.expectedTotalBytes,
            ...(booted.cma.actualTotalBytes !== undefined ? { actual_total_bytes: booted.cma.actualTotalBytes } : {}),
            slot_errors: booted.cma.kernel.slotErrors,
          }
        : {}),
    },
  };
  return [boot, cma];
}
