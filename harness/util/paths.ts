/** Where bootlab's own files are, and where it keeps caches. */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';

/**
 * The checkout bootlab runs from: the nearest directory above this module that holds
 * configs/ and package.json. Found by walking up, because this module runs both from its
 * source (harness/util/) and compiled into dist/.
 */
export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'configs'))) return dir;
    if (dirname(dir) === dir) throw new Error(`bootlab: no checkout (package.json and configs/) above ${from}`);
  }
}

/**
 * Extracted trees, patched trees, build directories and ccache live here. Defaults to
 * ~/.cache/bootlab (or $XDG_CACHE_HOME/bootlab); BOOTLAB_CACHE overrides it. Keep it on the
 * same filesystem as any --kernel-src tree so that variant trees can be hard-linked.
 */
export function cacheRoot(): string {
  if (process.env.BOOTLAB_CACHE) return resolve(process.env.BOOTLAB_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'bootlab');
}

export const DEFAULT_KERNEL_TARBALL = '/usr/src/linux-source-6.1.tar.xz';
