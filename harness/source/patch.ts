/**
 * A patched variant tree: a hard-linked copy of the source tree with the series applied.
 * Each patch is dry-run before it is applied; any failure removes the half-made tree, so a
 * variant tree exists only fully patched.
 */
import { copyFileSync, existsSync, renameSync, rmSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors.ts';
import { short } from '../util/hash.ts';
import type { Series, PatchEntry } from './series.ts';
import type { KernelSource } from './tree.ts';
import { linkFarm } from './tree.ts';
import { cacheRoot } from '../util/paths.ts';
import { run } from '../util/proc.ts';
import { withLock } from '../util/lock.ts';

export interface Variant {
  /** "baseline" or the series name; the build schedule adds a config suffix ("bug-zoo@debug"). */
  readonly name: string;
  readonly tree: string;
  readonly series?: Series;
}

export function baselineVariant(source: KernelSource): Variant {
  return { name: 'baseline', tree: source.tree };
}

export async function patchedVariant(source: KernelSource, series: Series): Promise<Variant> {
  const tree = join(cacheRoot(), 'variants', `${short(source.hash)}-${series.name}-${short(series.hash)}`);
  await withLock(tree, async () => {
    if (!existsSync(tree)) await buildPatchedTree(source, series, tree);
  });
  return { name: series.name, tree, series };
}

async function buildPatchedTree(source: KernelSource, series: Series, tree: string): Promise<void> {
  const tmp = `${tree}.patching-${process.pid}`;
  await linkFarm(source.tree, tmp);
  try {
    for (const patch of series.patches) await applyOne(tmp, patch, series);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  renameSync(tmp, tree);
}

async function applyOne(tree: string, patch: PatchEntry, series: Series): Promise<void> {
  const args = [`-p${patch.strip}`, '--batch', '--forward', '--no-backup-if-mismatch', '-r', '-', '-d', tree, '-i', patch.path];
  const dry = await run('patch', ['--dry-run', ...args]);
  if (dry.exitCode !== 0) throw patchFailure(patch, series, dry.output);
  breakLinks(tree, patch.touches);
  const real = await run('patch', args);
  if (real.exitCode !== 0) throw patchFailure(patch, series, real.output);
}

/**
 * Replace each hard-linked file the patch will edit by a private copy, so editing the
 * variant can never write through to the source tree it was linked from.
 */
function breakLinks(tree: string, files: readonly string[]): void {
  for (const f of files) {
    const p = join(tree, f);
    if (!existsSync(p) || lstatSync(p).nlink < 2) continue;
    const copy = `${p}.bootlab-unlink`;
    copyFileSync(p, copy);
    renameSync(copy, p);
  }
}

/** Pure: turn patch(1) output into the files and hunks that failed. */
export function failedHunks(output: string): { file: string; hunks: string[] }[] {
  const out: { file: string; hunks: string[] }[] = [];
  let current: { file: string; hunks: string[] } | undefined;
  for (const line of output.split('\n')) {
    const file = /^(?:checking|patching) file '?([^']+?)'?$/.exec(line);
    if (file) {
      current = { file: file[1]!, hunks: [] };
      continue;
    }
    const hunk = /^Hunk #(\d+) FAILED at (\d+)/.exec(line);
    if (hunk && current) {
      current.hunks.push(`hunk #${hunk[1]} (at line ${hunk[2]})`);
      if (!out.includes(current)) out.push(current);
    }
    const missing = /can't find file to patch|No file to patch/.test(line);
    if (missing && current === undefined) out.push({ file: '(unknown file)', hunks: ['file not found'] });
    if (/Reversed \(or previously applied\) patch detected/.test(line) && current) {
      current.hunks.push('already applied (reversed patch detected)');
      if (!out.includes(current)) out.push(current);
    }
  }
  return out;
}

function patchFailure(patch: PatchEntry, series: Series, output: string): UserError {
  const failures = failedHunks(output);
  const where = failures.length
    ? failures.map((f) => `${f.file}: ${f.hunks.join(', ')}`).join('; ')
    : output.trim().split('\n').slice(-3).join(' / ');
  return new UserError(
    `Patch ${patch.path} (series "${series.name}") does not apply to this kernel tree: ${where}. ` +
      'No patched tree was left behind. Rebase the patch onto the tree (or pick the tree it was written for with --kernel-src).',
  );
}
