/**
 * The guest image: images/init.c cross-compiled statically per arch, packed into a newc
 * initramfs. Cached by content (source, compiler, flags) under <cache>/initramfs/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES, type ArchName } from '../arch.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { InfraError } from '../util/errors.ts';
import { sha256, short } from '../util/hash.ts';
import { cacheRoot, REPO_ROOT } from '../util/paths.ts';
import { run } from '../util/proc.ts';
import { toolVersion } from '../util/file-facts.ts';
import { programs } from '../setup/packages.ts';
import { requireTools } from '../util/tools.ts';
import { writeCpio } from './cpio.ts';

export const INIT_SOURCE = join(REPO_ROOT, 'images', 'init.c');
const CFLAGS = ['-static', '-Os', '-Wall', '-Werror'];

export async function guestInitramfs(arch: ArchName): Promise<string> {
  const spec = ARCHES[arch];
  const gcc = `${spec.crossCompile}gcc`;
  requireTools(programs(gcc), `The ${arch} guest init`);
  const source = readFileSync(INIT_SOURCE);
  const key = short(sha256(source, await toolVersion(gcc), CFLAGS.join(' '), 'cpio-v2'));
  const dir = join(cacheRoot(), 'initramfs', `${arch}-${key}`);
  const cpio = join(dir, 'initramfs.cpio');
  if (existsSync(cpio)) return cpio;
  mkdirSync(dir, { recursive: true });
  const init = join(dir, 'init');
  const cc = await run(gcc, [...CFLAGS, '-o', init, INIT_SOURCE]);
  if (cc.exitCode !== 0) {
    throw new InfraError(
      `Compiling the guest init for ${arch} failed (${gcc} ${CFLAGS.join(' ')} ${INIT_SOURCE}). ` +
        `Is ${spec.libcPackage} installed?\n${cc.output.trim()}`,
    );
  }
  const archive = writeCpio([
    { type: 'dir', name: 'dev' },
    { type: 'char', name: 'dev/console', major: 5, minor: 1 },
    { type: 'dir', name: 'proc', mode: 0o555 },
    { type: 'dir', name: 'sys', mode: 0o555 },
    { type: 'file', name: 'init', data: readFileSync(init), mode: 0o755 },
  ]);
  writeFileAtomic(cpio, archive);
  return cpio;
}
