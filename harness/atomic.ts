import { renameSync, writeFileSync } from 'node:fs';

/** Write then rename: readers see the old file or the whole new one, never a torn write. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
