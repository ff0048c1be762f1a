/**
 * Facts about a file that cost time to learn — a program's version, whether QEMU has
 * -sandbox, a 140 MB tarball's sha256 — remembered in the cache under the file's identity
 * (path, inode, size, mtime). A replaced file (an upgrade) is a new identity, and is asked
 * again. A warm run starts no process and hashes nothing to know them.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { fileIdentity } from './hash.ts';
import { cacheRoot } from './paths.ts';
import { run } from './proc.ts';
import { which } from './tools.ts';

const factsFile = (): string => join(cacheRoot(), 'file-facts.json');
const learning = new Map<string, Promise<string | undefined>>();

function remembered(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(factsFile(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/**
 * `fact` about the file at `path`, from the cache or learnt once with `learn`. What `learn`
 * could not tell (undefined: a timeout, a program that failed) is not remembered.
 */
export function fileFact(path: string, fact: string, learn: () => Promise<string | undefined>): Promise<string | undefined> {
  const key = `${fileIdentity(path)} ${fact}`;
  let p = learning.get(key);
  if (!p) {
    const known = remembered()[key];
    p =
      known !== undefined
        ? Promise.resolve(known)
        : learn().then((value) => {
            // Read again before writing: another bootlab may have learnt something meanwhile.
            if (value !== undefined) {
              mkdirSync(cacheRoot(), { recursive: true });
              writeFileAtomic(factsFile(), `${JSON.stringify({ ...remembered(), [key]: value }, null, 1)}\n`);
            } else learning.delete(key);
            return value;
          });
    learning.set(key, p);
  }
  return p;
}

/** A fact about the program `program` names on PATH; one that is not on PATH is asked every time. */
export function toolFact(program: string, fact: string, learn: () => Promise<string | undefined>): Promise<string | undefined> {
  const path = which(program);
  return path === undefined ? learn() : fileFact(path, fact, learn);
}

/** The first line of `program --version`, or "unavailable". */
export async function toolVersion(program: string): Promise<string> {
  const version = await toolFact(program, 'version', async () => {
    const r = await run(program, ['--version'], { timeoutMs: 30_000 });
    return r.exitCode === 0 ? (r.output.split('\n')[0] ?? '').trim() : undefined;
  });
  return version ?? 'unavailable';
}
