/**
 * Inputs a user can get wrong, each fed wrong on purpose: the message must name the
 * file, field or package, and the exit code must be 2.
 */
import t from 'tap';
import { execa } from 'execa';
import { mkdirSync, readdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootlab, BIN, REPO } from '../helpers.ts';
import { cacheRoot } from '../../harness/util/paths.ts';
import type { BuildOutcome } from '../../harness/kbuild/build.ts';

const out = mkdtempSync(join(tmpdir(), 'bootlab-bad-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));

/** A PATH holding only the named programs, so one tool can be made to go missing. */
async function pathWith(programs: readonly string[]): Promise<string> {
  const bin = mkdtempSync(join(out, 'bin-'));
  for (const p of programs) {
    const r = await execa('sh', ['-c', `command -v ${p}`], { reject: false });
    if (r.stdout) symlinkSync(r.stdout.trim(), join(bin, p));
  }
  return bin;
}

const run = (args: string[], path: string) => execa(process.execPath, [BIN, ...args], { cwd: REPO, reject: false, env: { PATH: path }, extendEnv: true });

t.test('command-line mistakes are user errors', async (t) => {
  for (const [args, message] of [
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['build', '--colour', 'red'], /bootlab build: Unknown option '--colour'/],
    [['build', '--jobs', 'many'], /--jobs expects a positive integer, got "many"/],
    [['run', 'nightly', '--shard', '3/2'], /--shard expects K\/N/],
    [['boot', '--arch', 'arm64', '--profile', 'nope'], /Unknown profile "nope"\. Known profiles: default/],
  ] as const) {
    const r = await bootlab([...args]);
    t.equal(r.exitCode, 2, args.join(' '));
    t.match(r.stderr, message);
  }
});

t.test('a missing cross compiler names its Debian package', async (t) => {
  const bin = await pathWith(['make', 'gcc', 'ccache', 'bison', 'flex', 'bc', 'patch', 'tar', 'xz', 'cp', 'git']);
  const r = await run(['build', '--arch', 'mips'], bin);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /Building kernels needs mips-linux-gnu-gcc, not found on PATH\. Install gcc-mips-linux-gnu/);
});

t.test('a missing QEMU binary names its Debian package', async (t) => {
  const built = JSON.parse((await bootlab(['build', '--arch', 'mips', '--json'])).stdout) as Extract<BuildOutcome, { ok: true }>[];
  const bin = await pathWith(['mips-linux-gnu-gcc', 'mips-linux-gnu-as', 'mips-linux-gnu-ld']);
  const r = await run(['boot', '--arch', 'mips', '--kernel', built[0]!.image, '--out', join(out, 'noqemu')], bin);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /Booting mips needs qemu-system-mips, not found on PATH\. Install qemu-system-mips/);
});

t.test('--kernel-src paths that are not usable trees are user errors', async (t) => {
  const notTree = join(out, 'not-a-tree');
  mkdirSync(notTree);
  writeFileSync(join(notTree, 'Makefile'), 'all:\n');
  const configured = join(out, 'configured');
  mkdirSync(join(configured, 'scripts', 'kconfig'), { recursive: true });
  for (const f of ['Makefile', 'Kconfig', 'scripts/kconfig/merge_config.sh', '.config']) writeFileSync(join(configured, f), '');
  for (const [dir, message] of [
    [join(out, 'missing'), /--kernel-src \S+missing: no such directory/],
    [notTree, /is not a Linux source tree: Kconfig is missing/],
    [configured, /has been configured or built in place .*make -C \S+ mrproper/],
  ] as const) {
    const r = await bootlab(['build', '--arch', 'arm', '--kernel-src', dir]);
    t.equal(r.exitCode, 2, dir);
    t.match(r.stderr, message);
  }
});

t.test('a kernel tree without a Kconfig symbol a fragment needs fails with the symbol named', async (t) => {
  // Debian's tree with CMA_DEBUGFS deleted from mm/Kconfig, as an older or trimmed tree would be.
  const base = JSON.parse((await bootlab(['build', '--arch', 'arm', '--json'])).stdout) as BuildOutcome[];
  const source = join(base[0]!.dir, '..');
  const tree = join(out, 'trimmed');
  await execa('sh', ['-c', `mkdir -p ${tree} && cd ${source} && cp -al $(ls -A | grep -v '^bootlab-') ${tree}/`]);
  const kconfig = join(tree, 'mm', 'Kconfig');
  const text = readFileSync(kconfig, 'utf8');
  rmSync(kconfig);
  writeFileSync(kconfig, text.replace(/^config CMA_DEBUGFS\n(?:[ \t].*\n|\n)*/m, ''));
  const srcCache = join(cacheRoot(), 'src');
  const before = new Set(readdirSync(srcCache));
  // The trimmed tree's own cache entry is a throwaway: remove it, and nothing else.
  t.teardown(() => {
    for (const d of readdirSync(srcCache)) if (!before.has(d)) rmSync(join(srcCache, d), { recursive: true, force: true });
  });
  const r = await bootlab(['build', '--arch', 'arm', '--kernel-src', tree]);
  t.equal(r.exitCode, 2, r.stdout);
  t.match(r.stderr, /CONFIG_CMA_DEBUGFS=y requested \(fragment cma-debugfs\), not set: no Kconfig in this tree defines it/);
});
