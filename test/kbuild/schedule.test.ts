import t from 'tap';
import { ARCHES, ARCH_NAMES } from '../../harness/arch.ts';
import { buildDirFor, configHash } from '../../harness/kbuild/build.ts';
import { crossKernels, fragmentsFor, planBuilds } from '../../harness/kbuild/schedule.ts';
import type { Series } from '../../harness/source/series.ts';
import { withBaselines, type KernelVariant } from '../../harness/variant.ts';

const series = (name: string): Series => ({ name, dir: `/p/${name}`, patches: [], hash: 'h' });
const zoo: KernelVariant = { name: 'bug-zoo@debug', config: 'debug', series: series('bug-zoo') };
const cma: KernelVariant = { name: 'cma-dynamic-areas', config: 'default', series: series('cma-dynamic-areas') };
const cmaDebug: KernelVariant = { name: 'cma-dynamic-areas@debug', config: 'debug', series: series('cma-dynamic-areas') };
const plan = (kernels: Parameters<typeof planBuilds>[0]): string[] => planBuilds(kernels).map((b) => `${b.arch}/${b.variant.name}${b.from ? ` <- ${b.from}` : ''}`);

t.test('a debug variant gets its own baseline per arch, built with the debug config, and starts from it', async (t) => {
  t.same(plan(crossKernels(['arm64', 'mips'], withBaselines([zoo]))), ['arm64/baseline@debug', 'mips/baseline@debug', 'arm64/bug-zoo@debug <- arm64/baseline@debug', 'mips/bug-zoo@debug <- mips/baseline@debug']);
  t.same(plan([{ arch: 'arm', variant: zoo }]), ['arm/baseline@debug', 'arm/bug-zoo@debug <- arm/baseline@debug'], 'the baseline is built even when no job boots it');
});

t.test('one series in two configs is two kernels, each from the baseline of its config; baselines come first', async (t) => {
  t.same(plan(crossKernels(['arm64'], [cma, cmaDebug])), ['arm64/baseline', 'arm64/baseline@debug', 'arm64/cma-dynamic-areas <- arm64/baseline', 'arm64/cma-dynamic-areas@debug <- arm64/baseline@debug']);
  t.same(plan([{ arch: 'arm', variant: cma }, { arch: 'arm', variant: cma }, { arch: 'arm', variant: { name: 'baseline', config: 'default' } }]), ['arm/baseline', 'arm/cma-dynamic-areas <- arm/baseline'], 'each kernel once');
});

t.test('the debug config is its own build directory: the cache keys on the fragments', async (t) => {
  const tree = { name: 'baseline', tree: '/cache/src/abc/linux-source-6.1' };
  for (const arch of ARCH_NAMES) {
    const names = fragmentsFor(arch, 'debug').map((f) => f.name);
    t.same(names, [ARCHES[arch].baseFragment, ...ARCHES[arch].defaultFragments, ...ARCHES[arch].debugFragments], `${arch}: base, default, then debug fragments`);
    t.not(configHash(arch, fragmentsFor(arch, 'debug')), configHash(arch, fragmentsFor(arch)), `${arch}: another config hash`);
    t.not(buildDirFor({ arch, variant: tree, fragments: fragmentsFor(arch, 'debug') }), buildDirFor({ arch, variant: tree, fragments: fragmentsFor(arch) }), `${arch}: another directory`);
  }
});
