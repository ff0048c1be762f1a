/**
 * Cross-process locks on cache entries, so two bootlab runs sharing a cache never build,
 * patch or extract the same thing at once. A lock is a file created with O_EXCL holding the
 * owner's pid; a lock whose owner is dead is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Held locks of this process, so re-entrant use (a lock taken inside its own holder) works. */
const held = new Map<string, number>();

export async function withLock<T>(path: string, fn: () => Promise<T>, onWait?: (owner: number) => void): Promise<T> {
  const lock = `${path}.lock`;
  if (held.has(lock)) {
    held.set(lock, held.get(lock)! + 1);
    try {
      return await fn();
    } finally {
      held.set(lock, held.get(lock)! - 1);
    }
  }
  mkdirSync(dirname(lock), { recursive: true });
  let told = false;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue; // released between our open and read
      }
      if (!Number.isInteger(owner) || owner <= 0 || (!alive(owner) && owner !== process.pid)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (!told) {
        onWait?.(owner);
        told = true;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  held.set(lock, 1);
  try {
    return await fn();
  } finally {
    held.delete(lock);
    rmSync(lock, { force: true });
  }
}
