/**
 * The physical floor of a kernel build, shared by the benchmarks: plain `make` of the same
 * fragments in the same tree, without ccache or anything else bootlab adds.
 */
import { execa } from 'execa';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ARCHES, type ArchName } from '../harness/arch.ts';
import { fragmentsFor } from '../harness/kbuild/schedule.ts';

function make(tree: string, arch: ArchName, objdir: string, ...targets: string[]) {
  const spec = ARCHES[arch];
  return execa('make', [`O=${objdir}`, `ARCH=${spec.linuxArch}`, `CROSS_COMPILE=${spec.crossCompile}`, ...targets], { cwd: tree });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return Math.round(performance.now() - t0);
}

/** Configure (allnoconfig + the arch's fragments + olddefconfig) and build from scratch; ms. */
export function rawColdMake(tree: string, arch: ArchName, objdir: string): Promise<number> {
  return timed(async () => {
    await make(tree, arch, objdir, 'allnoconfig');
    await execa('scripts/kconfig/merge_config.sh', ['-m', '-O', objdir, join(objdir, '.config'), ...fragmentsFor(arch).map((f) => f.path)], { cwd: tree, env: { ARCH: ARCHES[arch].linuxArch } });
    await rawIncrementalMake(tree, arch, objdir);
  });
}

/** olddefconfig and make in an already configured (and possibly built) object directory; ms. */
export function rawIncrementalMake(tree: string, arch: ArchName, objdir: string): Promise<number> {
  return timed(async () => {
    await make(tree, arch, objdir, 'olddefconfig');
    await make(tree, arch, objdir, `-j${availableParallelism()}`, ARCHES[arch].imageTarget);
  });
}
