/**
 * The commit a git checkout has checked out, read from its files: HEAD, the branch's loose
 * ref or packed-refs, in a worktree too (.git as a "gitdir:" file, with its commondir).
 * Run summaries record bootlab's own commit; starting git for it cost every run a process.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const read = (file: string): string | undefined => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

export function gitHead(checkout: string): string | undefined {
  let gitDir = join(checkout, '.git');
  if (!existsSync(gitDir)) return undefined;
  if (statSync(gitDir).isFile()) {
    const pointer = /^gitdir: (.+)$/m.exec(read(gitDir) ?? '')?.[1];
    if (pointer === undefined) return undefined;
    gitDir = resolve(checkout, pointer.trim());
  }
  const head = read(join(gitDir, 'HEAD'))?.trim();
  if (head === undefined) return undefined;
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref: (\S+)$/.exec(head)?.[1];
  if (ref === undefined) return undefined;
  const common = resolve(gitDir, read(join(gitDir, 'commondir'))?.trim() ?? '.');
  for (const dir of [gitDir, common]) {
    const loose = read(join(dir, ref))?.trim();
    if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
  }
  const packed = read(join(common, 'packed-refs')) ?? '';
  return new RegExp(`^([0-9a-f]{40}) ${ref.replace(/[.]/g, '\\.')}$`, 'm').exec(packed)?.[1];
}
