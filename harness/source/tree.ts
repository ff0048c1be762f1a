/**
 * The kernel tree a run builds from. Build directories live directly inside a tree that
 * bootlab owns (`<tree>/bootlab-<arch>-<config>`): the kernel's Makefile then uses the
 * relative `srctree := ..`, every recorded command line is the same in every variant tree,
 * and a patched variant can start from a copy of its baseline's build directory.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, lstatSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError, InfraError } from '../util/errors.ts';
import { fileFact } from '../util/file-facts.ts';
import { sha256, sha256File, short } from '../util/hash.ts';
import { cacheRoot, DEFAULT_KERNEL_TARBALL } from '../util/paths.ts';
import { run } from '../util/proc.ts';
import { withLock } from '../util/lock.ts';

export interface KernelSource {
  /** What the user pointed at: the tarball or the --kernel-src directory. */
  readonly origin: string;
  readonly kind: 'tarball' | 'tree' | 'git';
  /** Content identity: tarball sha256, git HEAD plus local changes, or a stat walk of a plain tree. */
  readonly hash: string;
  /** A tree bootlab owns and never edits; build directories are created inside it. */
  readonly tree: string;
  /** "6.1.158", from the top Makefile. */
  readonly version: string;
  /** HEAD commit when the source is a git tree. */
  readonly gitCommit?: string;
}

/** Top-level entries of a bootlab tree that are ours, not the kernel's. */
export const BUILD_DIR_PREFIX = 'bootlab-';

export async function resolveSource(kernelSrc: string | undefined): Promise<KernelSource> {
  return kernelSrc === undefined ? fromTarball(DEFAULT_KERNEL_TARBALL) : fromDirectory(resolve(kernelSrc));
}

/** The tarball's sha256, remembered by the file's identity: hashing 140 MB took 0.45 s of every command's start-up. */
async function tarballHash(tarball: string): Promise<string> {
  return (await fileFact(tarball, 'sha256', () => sha256File(tarball)))!;
}

async function fromTarball(tarball: string): Promise<KernelSource> {
  if (!existsSync(tarball)) {
    throw new UserError(
      `The default kernel source ${tarball} is missing. Install it with ` +
        '"apt-get install linux-source-6.1" (the README\'s commands do this), or point bootlab at a tree with --kernel-src DIR.',
    );
  }
  const hash = await tarballHash(tarball);
  const root = join(cacheRoot(), 'src', short(hash));
  await withLock(root, async () => {
    if (existsSync(root)) return;
    const tmp = `${root}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const r = await run('tar', ['-xf', tarball, '-C', tmp]);
    if (r.exitCode !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new InfraError(`Extracting ${tarball} failed (tar exit ${r.exitCode}): ${r.output.slice(0, 2000)}`);
    }
    renameSync(tmp, root);
  });
  const top = readdirSync(root);
  if (top.length !== 1) throw new InfraError(`${tarball} extracted to ${top.length} top-level entries in ${root}, expected one kernel tree.`);
  const tree = join(root, top[0]!);
  return { origin: tarball, kind: 'tarball', hash, tree, version: kernelVersion(tree) };
}

async function fromDirectory(dir: string): Promise<KernelSource> {
  checkKernelTree(dir);
  const isGit = existsSync(join(dir, '.git'));
  let hash: string;
  let gitCommit: string | undefined;
  if (isGit) {
    const head = await run('git', ['-C', dir, 'rev-parse', 'HEAD']);
    if (head.exitCode !== 0) throw new UserError(`--kernel-src ${dir}: "git rev-parse HEAD" failed: ${head.output.trim()}`);
    gitCommit = head.output.trim();
    // Local edits are part of what gets built, so they are part of the identity.
    const diff = await run('git', ['-C', dir, 'diff', 'HEAD', '--no-ext-diff', '--binary']);
    const untracked = await run('git', ['-C', dir, 'ls-files', '--others', '--exclude-standard']);
    hash = sha256('git', gitCommit, diff.output, untracked.output);
  } else {
    hash = sha256('tree', statWalk(dir));
  }
  const tree = join(cacheRoot(), 'src', short(hash), 'tree');
  await withLock(tree, async () => {
    if (!existsSync(tree)) await linkFarm(dir, tree, ['.git']);
  });
  return { origin: dir, kind: isGit ? 'git' : 'tree', hash, tree, version: kernelVersion(dir), ...(gitCommit ? { gitCommit } : {}) };
}

function checkKernelTree(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`--kernel-src ${dir}: no such directory. Give the top of a Linux source tree.`);
  }
  for (const f of ['Makefile', 'Kconfig', 'scripts/kconfig/merge_config.sh']) {
    if (!existsSync(join(dir, f))) {
      throw new UserError(`--kernel-src ${dir} is not a Linux source tree: ${f} is missing. Give the directory that holds the top-level Makefile.`);
    }
  }
  if (existsSync(join(dir, '.config')) || existsSync(join(dir, 'include', 'config'))) {
    throw new UserError(
      `--kernel-src ${dir} has been configured or built in place (.config or include/config exists). ` +
        `bootlab builds out of tree and needs a clean source: run "make -C ${dir} mrproper" or give a fresh checkout.`,
    );
  }
}

/** Paths, sizes and mtimes of every file: a cheap identity for a plain tree that bootlab may not hash byte by byte. */
function statWalk(dir: string): string {
  const parts: string[] = [];
  const stack = [''];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    const entries = readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) stack.push(p);
      else {
        const st = lstatSync(join(dir, p));
        parts.push(`${p}\t${st.size}\t${st.mtimeMs}`);
      }
    }
  }
  return parts.join('\n');
}

export function kernelVersion(tree: string): string {
  const head = readFileSync(join(tree, 'Makefile'), 'utf8').slice(0, 2000);
  const field = (name: string): string => new RegExp(`^${name}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(head)?.[1] ?? '';
  const extra = field('EXTRAVERSION');
  return `${field('VERSION')}.${field('PATCHLEVEL')}.${field('SUBLEVEL')}${extra}`;
}

/**
 * Make `dest` a copy of `src` whose files are hard links (seconds, no extra space for a
 * 1.5 GB tree), skipping bootlab's build directories and the given names. The copy
 * appears atomically: it is assembled under a temporary name and renamed.
 * Whoever then edits a file in `dest` must replace it, not write into it (see breakLinks).
 */
export async function linkFarm(src: string, dest: string, skip: readonly string[] = []): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const entries = readdirSync(src).filter((e) => !e.startsWith(BUILD_DIR_PREFIX) && !skip.includes(e));
  let r = await run('cp', ['-al', ...entries, tmp], { cwd: src });
  if (r.exitCode !== 0 && /cross-device|Invalid cross-device link/i.test(r.output)) {
    // Different filesystems: hard links are impossible, fall back to a real copy.
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    r = await run('cp', ['-a', ...entries, tmp], { cwd: src });
  }
  if (r.exitCode !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new InfraError(`Copying the kernel tree ${src} to ${tmp} failed: ${r.output.slice(0, 2000)}`);
  }
  mkdirSync(resolve(dest, '..'), { recursive: true });
  renameSync(tmp, dest);
}
