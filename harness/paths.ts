/** Where bootlab's own files are, and where it keeps caches. */
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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
