import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { InfraError } from './errors.ts';

/** Errors that mean the disk, not bootlab, failed. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export function diskFullError(path: string, cause: unknown): InfraError {
  return new InfraError(
    `Writing ${path} failed: ${(cause as Error).message}. The disk is full; results written before are intact. ` +
      'Free some space (or give another --out) and finish the run with --resume.',
    { cause },
  );
}

/** Write then rename: readers see the old file or the whole new one, never a torn write. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    if (isDiskFull(error)) throw diskFullError(path, error);
    throw error;
  }
}
