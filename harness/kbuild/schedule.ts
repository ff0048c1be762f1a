/**
 * Build several kernels as one schedule: every baseline first, each patched variant as soon
 * as its baseline is done (it starts from the baseline's objects). One make at a time, each
 * with -j<cores>, keeps at most <cores> compile jobs on the machine.
 */
import PQueue from 'p-queue';
import { availableParallelism } from 'node:os';
import { ARCHES, type ArchName } from '../arch.ts';
import { buildKernel, type BuildOutcome, type BuiltKernel } from './build.ts';
import { loadFragment, type Fragment } from './kconfig.ts';
import { baselineVariant, patchedVariant } from '../source/patch.ts';
import type { Series } from '../source/series.ts';
import type { KernelSource } from '../source/tree.ts';
import { programs } from '../setup/packages.ts';
import { settled } from '../util/promise.ts';
import { requireTools } from '../util/tools.ts';

export interface BuildPlan {
  readonly source: KernelSource;
  /** Kernels to build: each arch's baseline always, plus a patched variant where series is given. */
  readonly kernels: readonly { readonly arch: ArchName; readonly series?: Series }[];
  /** Feature fragments per arch; defaults to the arch table's. */
  readonly fragments?: (arch: ArchName) => readonly string[];
  readonly jobs?: number;
  readonly onEvent?: (event: BuildEvent) => void;
}

export type BuildEvent =
  | { readonly type: 'start'; readonly arch: ArchName; readonly variant: string }
  | { readonly type: 'done'; readonly outcome: BuildOutcome };

export function fragmentsFor(arch: ArchName, names?: readonly string[]): Fragment[] {
  const spec = ARCHES[arch];
  return [spec.baseFragment, ...(names ?? spec.defaultFragments)].map((n) => loadFragment(n));
}

export function requireBuildTools(arches: readonly ArchName[]): void {
  requireTools(programs('make', 'gcc', 'ccache', 'bison', 'flex', 'bc', 'patch', ...arches.map((a) => `${ARCHES[a].crossCompile}gcc`)), 'Building kernels');
}

/** Every arch crossed with every series: what `bootlab build` and `bootlab boot` ask for. */
export function crossKernels(arches: readonly ArchName[], series: readonly Series[]): BuildPlan['kernels'] {
  return arches.flatMap((arch) => [{ arch }, ...series.map((s) => ({ arch, series: s }))]);
}

/** Build everything in the plan; the returned promises resolve as each build finishes. */
export function scheduleBuilds(plan: BuildPlan): Map<string, Promise<BuildOutcome>> {
  const queue = new PQueue({ concurrency: 1 });
  const jobs = plan.jobs ?? availableParallelism();
  const out = new Map<string, Promise<BuildOutcome>>();
  const emit = plan.onEvent ?? (() => {});
  // One patched tree per series, shared by every arch.
  const variants = new Map<string, ReturnType<typeof patchedVariant>>();
  // Patched now, awaited once the baseline is built: a patch that does not apply fails its builds then.
  for (const k of plan.kernels) if (k.series && !variants.has(k.series.name)) variants.set(k.series.name, settled(patchedVariant(plan.source, k.series)));
  const arches = [...new Set(plan.kernels.map((k) => k.arch))];
  for (const arch of arches) {
    const fragments = fragmentsFor(arch, plan.fragments?.(arch));
    const baseline = queue.add(async () => {
      emit({ type: 'start', arch, variant: 'baseline' });
      const outcome = await buildKernel({ arch, variant: baselineVariant(plan.source), fragments, jobs });
      emit({ type: 'done', outcome });
      return outcome;
    }, { throwOnTimeout: true });
    out.set(buildKey(arch, 'baseline'), baseline);
    for (const series of plan.kernels.filter((k) => k.arch === arch && k.series).map((k) => k.series!)) {
      if (out.has(buildKey(arch, series.name))) continue;
      const patched = baseline.then(async (base) => {
        // Patch the tree while the baseline queue keeps the CPUs busy.
        const variant = await variants.get(series.name)!;
        return queue.add(async () => {
          emit({ type: 'start', arch, variant: series.name });
          const outcome = await buildKernel({ arch, variant, fragments, jobs, ...(base.ok ? { baseline: base as BuiltKernel } : {}) });
          emit({ type: 'done', outcome });
          return outcome;
        }, { throwOnTimeout: true });
      });
      out.set(buildKey(arch, series.name), patched);
    }
  }
  return out;
}

export function buildKey(arch: ArchName, variant: string): string {
  return `${arch}/${variant}`;
}
