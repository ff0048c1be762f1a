/**
 * Build several kernels as one schedule: one baseline per (arch, kernel config) first, each
 * patched variant as soon as the baseline of its config is done (it starts from that
 * baseline's objects). One make at a time, each with -j<cores>, keeps at most <cores>
 * compile jobs on the machine.
 */
import PQueue from 'p-queue';
import { availableParallelism } from 'node:os';
import { ARCHES, type ArchName } from '../arch.ts';
import { buildKernel, type BuildOutcome, type BuiltKernel } from './build.ts';
import { loadFragment, type Fragment } from './kconfig.ts';
import { baselineVariant, patchedVariant, type Variant } from '../source/patch.ts';
import type { KernelSource } from '../source/tree.ts';
import { programs } from '../setup/packages.ts';
import { settled } from '../util/promise.ts';
import { requireTools } from '../util/tools.ts';
import { configFragments, DEFAULT_CONFIG, variantName, type ConfigName, type KernelVariant } from '../variant.ts';

export interface BuildPlan {
  readonly source: KernelSource;
  /**
   * Kernels to build. The baseline of each (arch, config) they name is built too, whether
   * asked for or not: a patched variant starts from its objects.
   */
  readonly kernels: readonly { readonly arch: ArchName; readonly variant: KernelVariant }[];
  /** Feature fragments per arch in place of the arch table's defaults (a config adds its own to them). */
  readonly fragments?: (arch: ArchName) => readonly string[];
  readonly jobs?: number;
  readonly onEvent?: (event: BuildEvent) => void;
}

export type BuildEvent =
  | { readonly type: 'start'; readonly arch: ArchName; readonly variant: string }
  | { readonly type: 'done'; readonly outcome: BuildOutcome };

/** The fragments a kernel is configured with: the arch's base, then its config's feature fragments. */
export function fragmentsFor(arch: ArchName, config: ConfigName = DEFAULT_CONFIG, defaults?: readonly string[]): Fragment[] {
  const spec = ARCHES[arch];
  return [spec.baseFragment, ...configFragments(spec, config, defaults)].map((n) => loadFragment(n));
}

export function requireBuildTools(arches: readonly ArchName[]): void {
  requireTools(programs('make', 'gcc', 'ccache', 'bison', 'flex', 'bc', 'patch', ...arches.map((a) => `${ARCHES[a].crossCompile}gcc`)), 'Building kernels');
}

/** Every arch crossed with every variant. */
export function crossKernels(arches: readonly ArchName[], variants: readonly KernelVariant[]): BuildPlan['kernels'] {
  return arches.flatMap((arch) => variants.map((variant) => ({ arch, variant })));
}

/** One build of a schedule: a kernel, and the key of the baseline build it starts from (none for a baseline). */
export interface PlannedBuild {
  readonly arch: ArchName;
  readonly variant: KernelVariant;
  readonly from?: string;
}

/**
 * Pure: the builds a plan's kernels need, baselines first. Each (arch, config) the kernels
 * name gets its own baseline, asked for or not; each patched variant starts from the
 * baseline of its config, never another config's (its objects were built with other flags).
 */
export function planBuilds(kernels: BuildPlan['kernels']): PlannedBuild[] {
  const baselines = new Map<string, PlannedBuild>();
  const patched = new Map<string, PlannedBuild>();
  for (const { arch, variant } of kernels) {
    const base: KernelVariant = { name: variantName(undefined, variant.config), config: variant.config };
    const from = buildKey(arch, base.name);
    if (!baselines.has(from)) baselines.set(from, { arch, variant: base });
    const key = buildKey(arch, variant.name);
    if (variant.series && !patched.has(key)) patched.set(key, { arch, variant, from });
  }
  return [...baselines.values(), ...patched.values()];
}

/** Build everything in the plan; the returned promises resolve as each build finishes. */
export function scheduleBuilds(plan: BuildPlan): Map<string, Promise<BuildOutcome>> {
  const queue = new PQueue({ concurrency: 1 });
  const jobs = plan.jobs ?? availableParallelism();
  const out = new Map<string, Promise<BuildOutcome>>();
  const emit = plan.onEvent ?? (() => {});
  const build = (arch: ArchName, variant: KernelVariant, fragments: readonly Fragment[], tree: Variant, baseline?: BuildOutcome): Promise<BuildOutcome> =>
    queue.add(
      async () => {
        emit({ type: 'start', arch, variant: variant.name });
        const outcome = await buildKernel({ arch, variant: { ...tree, name: variant.name }, fragments, jobs, ...(baseline?.ok ? { baseline: baseline as BuiltKernel } : {}) });
        emit({ type: 'done', outcome });
        return outcome;
      },
      { throwOnTimeout: true },
    );
  // One patched tree per series, shared by every arch and config.
  const trees = new Map<string, Promise<Variant>>();
  // Patched now, awaited once the baseline is built: a patch that does not apply fails its builds then.
  for (const { variant: v } of plan.kernels) if (v.series && !trees.has(v.series.name)) trees.set(v.series.name, settled(patchedVariant(plan.source, v.series)));
  for (const b of planBuilds(plan.kernels)) {
    const key = buildKey(b.arch, b.variant.name);
    // Loaded now: a fragment that does not exist is an error before anything builds.
    const fragments = fragmentsFor(b.arch, b.variant.config, plan.fragments?.(b.arch));
    if (b.from === undefined) out.set(key, build(b.arch, b.variant, fragments, baselineVariant(plan.source)));
    // Patch the tree while the baseline queue keeps the CPUs busy.
    else out.set(key, out.get(b.from)!.then(async (base) => build(b.arch, b.variant, fragments, await trees.get(b.variant.series!.name)!, base)));
  }
  return out;
}

/** A kernel's key in a schedule: its arch and variant name ("arm64/bug-zoo@debug"). */
export function buildKey(arch: ArchName, variant: string): string {
  return `${arch}/${variant}`;
}
