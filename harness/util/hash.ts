import { createHash } from 'node:crypto';
import { createReadStream, realpathSync, statSync } from 'node:fs';

export function sha256(...parts: readonly (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    // A separator so that ("ab","c") and ("a","bc") differ.
    h.update('\0');
  }
  return h.digest('hex');
}

/** The sha256 of some bytes, as sha256sum prints it for a file holding them. */
export function sha256Of(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * A file's identity without reading it: its real path, inode, size and mtime. A file that is
 * replaced (a package upgrade, a rebuild) gets a new one.
 */
export function fileIdentity(path: string): string {
  const real = realpathSync(path);
  const st = statSync(real);
  return `${real}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** The short form used in directory names. */
export function short(hash: string): string {
  return hash.slice(0, 12);
}
