/**
 * Configure and build one kernel out of tree, or find it already built.
 *
 * A build directory is `<variant tree>/bootlab-<arch>-<config hash>`: one per (source,
 * variant, arch, config). It is "done" only when its stamp file exists; the stamp is written
 * last and atomically, so a build killed half-way is never mistaken for a finished one.
 */
import { cpSync, existsSync, lstatSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ARCHES, type ArchName } from '../arch.ts';
import { UserError } from '../util/errors.ts';
import { sha256, short } from '../util/hash.ts';
import { describeSymbol, findMismatches, formatMismatch, mergeRequests, parseKconfig, type Fragment } from './kconfig.ts';
import { cacheRoot } from '../util/paths.ts';
import type { Variant } from '../source/patch.ts';
import { run } from '../util/proc.ts';
import { BUILD_DIR_PREFIX } from '../source/tree.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { withLock } from '../util/lock.ts';
import { shellCommand } from '../util/text.ts';
import { isBaseline } from '../variant.ts';

/** Bump when the build recipe changes in a way that must invalidate cached builds. */
// 2: the boot image is made without ccache (see buildLocked); arm zImages of recipe 1 may
// hold their baseline's kernel.
const RECIPE_VERSION = 2;
const STAMP = 'bootlab-build.json';
export const BUILD_LOG = 'bootlab-build.log';

export interface BuildSpec {
  readonly arch: ArchName;
  readonly variant: Variant;
  readonly fragments: readonly Fragment[];
  /** The baseline build a patched variant starts from (copied, then rebuilt incrementally). */
  readonly baseline?: BuiltKernel;
  readonly jobs?: number;
}

export interface BuiltKernel {
  readonly arch: ArchName;
  readonly variant: string;
  readonly configHash: string;
  readonly dir: string;
  /** The image QEMU boots: Image, zImage or vmlinux. */
  readonly image: string;
  readonly vmlinux: string;
  readonly systemMap: string;
  readonly config: string;
  readonly log: string;
  /** How the build was obtained this time. */
  readonly how: 'cached' | 'cold' | 'incremental';
  readonly durationMs: number;
  /** Requested symbols the series removed from Kconfig (patched variants only). */
  readonly droppedBySeries: readonly string[];
  /** The make invocations, as they can be re-run by hand. */
  readonly commands: readonly string[];
  /**
   * Patched variants: the series' files were made newer than the baseline's objects before
   * make ran. A patched stamp without it may hold unpatched objects and is not trusted.
   */
  readonly seriesTouched?: true;
}

export type BuildOutcome =
  | ({ readonly ok: true } & BuiltKernel)
  | {
      readonly ok: false;
      readonly arch: ArchName;
      readonly variant: string;
      readonly dir: string;
      readonly log: string;
      /** The first compiler/linker error lines from the log. */
      readonly errors: readonly string[];
      readonly durationMs: number;
    };

export function configHash(arch: ArchName, fragments: readonly Fragment[]): string {
  const spec = ARCHES[arch];
  return sha256(`recipe-${RECIPE_VERSION}`, arch, spec.linuxArch, spec.crossCompile, ...fragments.flatMap((f) => [f.name, f.text]));
}

export function buildDirFor(spec: Pick<BuildSpec, 'arch' | 'variant' | 'fragments'>): string {
  return join(spec.variant.tree, `${BUILD_DIR_PREFIX}${spec.arch}-${short(configHash(spec.arch, spec.fragments))}`);
}

function makeEnv(): Record<string, string> {
  return {
    CCACHE_DIR: process.env.CCACHE_DIR ?? join(cacheRoot(), 'ccache'),
    CCACHE_MAXSIZE: process.env.CCACHE_MAXSIZE ?? '10G',
    // Depend mode: no preprocessor run on a miss. Measured on mm/ and kernel/ of the mips
    // config: a cold build costs 1.06x raw make this way, 1.34x in ccache's default mode.
    CCACHE_DEPEND: process.env.CCACHE_DEPEND ?? '1',
    // A fixed identity keeps init/version.c (and so ccache) stable across rebuilds.
    KBUILD_BUILD_USER: 'bootlab',
    KBUILD_BUILD_HOST: 'bootlab',
    KBUILD_BUILD_TIMESTAMP: 'bootlab',
  };
}

export function makeArgs(arch: ArchName, dir: string): string[] {
  const spec = ARCHES[arch];
  return [
    `O=${dir}`,
    `ARCH=${spec.linuxArch}`,
    `CROSS_COMPILE=${spec.crossCompile}`,
    `CC=ccache ${spec.crossCompile}gcc`,
    'HOSTCC=ccache gcc',
  ];
}

export function readStamp(dir: string): BuiltKernel | undefined {
  const path = join(dir, STAMP);
  if (!existsSync(path)) return undefined;
  const built = JSON.parse(readFileSync(path, 'utf8')) as BuiltKernel;
  for (const f of [built.image, built.vmlinux, built.systemMap, built.config]) if (!existsSync(f)) return undefined;
  // Rebuilt incrementally in place (touch, then make), not trusted.
  if (!isBaseline(built.variant) && !built.seriesTouched) return undefined;
  return built;
}

/**
 * Make every file the series changed newer than any object copied from the baseline. make
 * compares mtimes only, and a variant tree can be patched before the baseline's objects are
 * compiled (a cold run patches while the baseline builds): without this the copied objects
 * look up to date and the "patched" kernel does not contain the patch.
 */
function touchSeriesFiles(variant: Variant): void {
  const now = new Date();
  for (const f of new Set(variant.series?.patches.flatMap((p) => p.touches) ?? [])) {
    const path = join(variant.tree, f);
    // A file still hard-linked to the source tree was not changed; touching it would
    // reach into the baseline tree.
    if (existsSync(path) && lstatSync(path).nlink === 1) utimesSync(path, now, now);
  }
}

export async function buildKernel(spec: BuildSpec): Promise<BuildOutcome> {
  const dir = buildDirFor(spec);
  // Another bootlab sharing this cache may be building the same directory: wait for it.
  return withLock(dir, () => buildLocked(spec, dir), (pid) => process.stderr.write(`waiting for bootlab pid ${pid}, which is building ${dir}\n`));
}

async function buildLocked(spec: BuildSpec, dir: string): Promise<BuildOutcome> {
  const started = Date.now();
  const cached = readStamp(dir);
  // The directory is the config's, whatever the variant was called when it was built (the
  // same fragments given with --fragments, or named by a config suffix).
  if (cached) return { ok: true, ...cached, variant: spec.variant.name, how: 'cached', durationMs: Date.now() - started };

  const arch = ARCHES[spec.arch];
  const log = join(dir, BUILD_LOG);
  const commands: string[] = [];
  let how: 'cold' | 'incremental' = 'cold';
  if (!existsSync(dir) && spec.baseline) {
    // Start from the baseline's objects: timestamps are kept, paths are relative
    // (srctree is ".."), so make recompiles only what the series touched.
    const tmp = `${dir}.copy-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    cpSync(spec.baseline.dir, tmp, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    rmSync(join(tmp, STAMP), { force: true });
    renameSync(tmp, dir);
    how = 'incremental';
  } else if (existsSync(dir) && existsSync(join(dir, '.config')) && spec.baseline) {
    how = 'incremental';
  }
  if (how === 'incremental') touchSeriesFiles(spec.variant);
  mkdirSync(dir, { recursive: true });
  writeFileSync(log, '');
  const env = makeEnv();
  const base = makeArgs(spec.arch, dir);
  const make = async (targets: readonly string[], extraEnv: Readonly<Record<string, string>> = {}): Promise<number | undefined> => {
    const argv = [...base, ...targets];
    const prefix = Object.entries(extraEnv).map(([k, v]) => `${k}=${v} `).join('');
    commands.push(`${prefix}make -C ${spec.variant.tree} ${shellCommand(argv)}`);
    writeFileSync(log, `$ ${commands.at(-1)}\n`, { flag: 'a' });
    const r = await run('make', argv, { cwd: spec.variant.tree, env: { ...env, ...extraEnv }, logFile: log });
    return r.exitCode;
  };
  const fail = (): BuildOutcome => ({
    ok: false,
    arch: spec.arch,
    variant: spec.variant.name,
    dir,
    log,
    errors: firstErrors(readFileSync(log, 'utf8')),
    durationMs: Date.now() - started,
  });

  if (how === 'cold') {
    if ((await make(['allnoconfig'])) !== 0) return fail();
    const merge = await run(
      join(spec.variant.tree, 'scripts/kconfig/merge_config.sh'),
      ['-m', '-O', dir, join(dir, '.config'), ...spec.fragments.map((f) => f.path)],
      { cwd: spec.variant.tree, env: { ...env, ARCH: arch.linuxArch, CROSS_COMPILE: arch.crossCompile }, logFile: log },
    );
    if (merge.exitCode !== 0) return fail();
  }
  // Always olddefconfig: a series may change Kconfig, and it is a no-op otherwise.
  if ((await make(['olddefconfig'])) !== 0) return fail();
  const dropped = checkConfig(spec, dir);

  const jobs = spec.jobs ?? availableParallelism();
  // vmlinux through ccache, then the boot image without it. arm's zImage wraps the compressed
  // kernel with `.incbin "piggy_data"` in piggy.S, and ccache's depend mode hashes piggy.S and
  // its #includes, never the file .incbin reads: a patched variant's zImage got the baseline's
  // piggy.o from the cache, and booted the baseline kernel.
  if ((await make([`-j${jobs}`, 'vmlinux'])) !== 0) return fail();
  if (arch.imageTarget !== 'vmlinux' && (await make([`-j${jobs}`, arch.imageTarget], { CCACHE_DISABLE: '1' })) !== 0) return fail();

  const built: BuiltKernel = {
    arch: spec.arch,
    variant: spec.variant.name,
    configHash: configHash(spec.arch, spec.fragments),
    dir,
    image: join(dir, arch.imagePath),
    vmlinux: join(dir, 'vmlinux'),
    systemMap: join(dir, 'System.map'),
    config: join(dir, '.config'),
    log,
    how,
    durationMs: Date.now() - started,
    droppedBySeries: dropped,
    commands,
    ...(spec.variant.series ? { seriesTouched: true as const } : {}),
  };
  for (const f of [built.image, built.vmlinux, built.systemMap]) {
    if (!existsSync(f) || statSync(f).size === 0) throw new Error(`make succeeded but ${f} is missing: the arch table's imagePath is wrong`);
  }
  writeFileAtomic(join(dir, STAMP), JSON.stringify(built, null, 2));
  return { ok: true, ...built };
}

/**
 * Every symbol a fragment asked for must be in the final .config. A patched variant may
 * legitimately lose a symbol its series deletes from Kconfig (CMA_AREAS): that is recorded,
 * not an error.
 */
function checkConfig(spec: BuildSpec, dir: string): string[] {
  const final = parseKconfig(readFileSync(join(dir, '.config'), 'utf8'), join(dir, '.config'));
  const mismatches = findMismatches(mergeRequests(spec.fragments), final);
  const dropped: string[] = [];
  const problems: string[] = [];
  for (const m of mismatches) {
    const info = describeSymbol(spec.variant.tree, ARCHES[spec.arch].linuxArch, m.symbol);
    if (!info.defined && spec.variant.series) dropped.push(m.symbol);
    else problems.push(formatMismatch(m, info));
  }
  if (problems.length > 0) {
    throw new UserError(
      `Kconfig for ${spec.arch} (${spec.variant.name}) did not take ${problems.length} requested symbol(s) from ` +
        `${spec.fragments.map((f) => f.path).join(', ')}: ${problems.join('; ')}. ` +
        `Fix the fragment or drop the symbol for this arch. Final config: ${join(dir, '.config')}.`,
    );
  }
  return dropped;
}

/** Pure: the first error lines of a kernel build log (compiler, linker, make). */
export function firstErrors(log: string, max = 12): string[] {
  const lines = log.split('\n');
  const at = lines.findIndex((l) => /(\berror:|\bError \d+|undefined reference to)/.test(l));
  if (at < 0) return lines.filter((l) => l.trim() !== '').slice(-max);
  return lines.slice(at, at + max);
}
