/**
 * Facts about an installed program that cost a process to learn (its version, whether QEMU
 * has -sandbox), remembered in the cache under the binary's identity: path, inode, size and
 * mtime. An upgrade replaces the file, and so the key. A warm run starts no process to ask.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { cacheRoot } from './paths.ts';
import { run } from './proc.ts';
import { which } from './tools.ts';

const factsFile = (): string => join(cacheRoot(), 'tool-facts.json');
const learning = new Map<string, Promise<string | undefined>>();

function identity(program: string): string | undefined {
  const path = which(program);
  if (path === undefined) return undefined;
  const real = realpathSync(path);
  const st = statSync(real);
  return `${real}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

function remembered(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(factsFile(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/**
 * `fact` about `program`, from the cache or learnt once with `learn`. What `learn` could not
 * tell (undefined: a timeout, a program that failed) is not remembered; nor is anything about
 * a program that is not on PATH.
 */
export function toolFact(program: string, fact: string, learn: () => Promise<string | undefined>): Promise<string | undefined> {
  const id = identity(program);
  if (id === undefined) return learn();
  const key = `${id} ${fact}`;
  let p = learning.get(key);
  if (!p) {
    const known = remembered()[key];
    p =
      known !== undefined
        ? Promise.resolve(known)
        : learn().then((value) => {
            // Read again before writing: another bootlab may have learnt something meanwhile.
            if (value !== undefined) writeFileAtomic(factsFile(), `${JSON.stringify({ ...remembered(), [key]: value }, null, 1)}\n`);
            return value;
          });
    learning.set(key, p);
  }
  return p;
}

/** The first line of `program --version`, or "unavailable". */
export async function toolVersion(program: string): Promise<string> {
  const version = await toolFact(program, 'version', async () => {
    const r = await run(program, ['--version'], { timeoutMs: 30_000 });
    return r.exitCode === 0 ? (r.output.split('\n')[0] ?? '').trim() : undefined;
  });
  return version ?? 'unavailable';
}
