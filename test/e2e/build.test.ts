/**
 * Real kernel builds with the Debian cross compilers. The first run in a fresh cache
 * builds three kernels (minutes); afterwards everything comes from the cache.
 */
import t, { type Test } from 'tap';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import type { BuildOutcome } from '../../harness/kbuild/build.ts';
import { cacheRoot } from '../../harness/util/paths.ts';
import { bootlab, FIXTURES } from '../helpers.ts';

type Ok = Extract<BuildOutcome, { ok: true }>;

function outcomes(stdout: string): Ok[] {
  const parsed = JSON.parse(stdout) as BuildOutcome[];
  for (const o of parsed) if (!o.ok) throw new Error(`build ${o.arch}/${o.variant} failed: ${o.errors.join('\n')} (log ${o.log})`);
  return parsed as Ok[];
}

t.test('baseline kernels build for arm64, arm and mips, and an identical second run rebuilds nothing', async (t) => {
  const first = await bootlab(['build', '--arch', 'arm64,arm,mips', '--json']);
  t.equal(first.exitCode, 0, first.stderr);
  const built = outcomes(first.stdout);
  t.same(built.map((b) => [b.arch, b.variant]), [['arm64', 'baseline'], ['arm', 'baseline'], ['mips', 'baseline']]);
  const images = { arm64: 'arch/arm64/boot/Image', arm: 'arch/arm/boot/zImage', mips: 'vmlinux' } as const;
  for (const b of built) {
    t.ok(b.image.endsWith(images[b.arch]), `${b.arch} boots ${images[b.arch]}`);
    for (const f of [b.image, b.vmlinux, b.systemMap, b.config, b.log]) t.ok(existsSync(f), `${b.arch}: ${f} exists`);
    t.match(readFileSync(b.config, 'utf8'), /^CONFIG_CMA=y$/m, `${b.arch} has CMA`);
  }
  t.match(readFileSync(built[0]!.config, 'utf8'), /^CONFIG_NUMA=y$/m, 'arm64 has NUMA');

  const second = await bootlab(['build', '--arch', 'arm64,arm,mips', '--json']);
  t.equal(second.exitCode, 0, second.stderr);
  const again = outcomes(second.stdout);
  t.same(again.map((b) => b.how), ['cached', 'cached', 'cached'], 'nothing is rebuilt');
  t.same(again.map((b) => b.dir), built.map((b) => b.dir), 'the same build directories are reused');
});

/**
 * A series named `name` whose one patch carries a fresh nonce, so its variant is never
 * already cached; removed when the test ends.
 */
function nonceSeries(t: Test, name: string): { seriesDir: string; nonce: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bootlab-series-'));
  const seriesDir = join(dir, name);
  mkdirSync(seriesDir);
  const nonce = `${process.pid}-${Date.now()}`;
  const patch = readFileSync(join(FIXTURES, 'series', 'cma-count-message', '0001-mm-cma-log-area-count.patch'), 'utf8').replace('activating %u CMA areas', `activating %u CMA areas (${nonce})`);
  writeFileSync(join(seriesDir, '0001.patch'), patch);
  writeFileSync(join(seriesDir, 'series'), '0001.patch\n');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { seriesDir, nonce };
}

t.test('a patched variant starts from its baseline build and recompiles only what the series touches', async (t) => {
  const { seriesDir, nonce } = nonceSeries(t, 'cma-nonce');

  const r = await bootlab(['build', '--arch', 'arm64', '--series', seriesDir, '--json']);
  t.equal(r.exitCode, 0, r.stderr);
  const [base, patched] = outcomes(r.stdout);
  t.equal(patched!.variant, 'cma-nonce');
  t.equal(patched!.how, 'incremental');
  t.not(patched!.dir, base!.dir);
  const compiled = readFileSync(patched!.log, 'utf8').split('\n').filter((l) => /^\s+CC\s/.test(l)).map((l) => l.trim().split(/\s+/)[1]);
  t.ok(compiled.includes('mm/cma.o'), 'mm/cma.o is recompiled');
  t.ok(compiled.length < 20, `only a handful of objects are recompiled (${compiled.join(' ')})`);
  t.ok(readFileSync(join(patched!.dir, '..', 'mm', 'cma.c'), 'utf8').includes(nonce), 'the variant tree has the patch');
  t.notOk(readFileSync(join(base!.dir, '..', 'mm', 'cma.c'), 'utf8').includes(nonce), 'the baseline tree is untouched');
  t.ok(readFileSync(patched!.vmlinux).includes(nonce), 'the patched vmlinux contains the patch');

  // A cold run patches the variant tree while the baseline builds, so the series' files can
  // be older than every baseline object. The patched kernel must still contain the patch.
  utimesSync(join(patched!.dir, '..', 'mm', 'cma.c'), new Date('2000-01-01'), new Date('2000-01-01'));
  rmSync(patched!.dir, { recursive: true, force: true });
  const again = await bootlab(['build', '--arch', 'arm64', '--series', seriesDir, '--json']);
  t.equal(again.exitCode, 0, again.stderr);
  const [, rebuilt] = outcomes(again.stdout);
  t.equal(rebuilt!.how, 'incremental');
  t.ok(readFileSync(rebuilt!.vmlinux).includes(nonce), 'a series file older than the baseline objects is still compiled in');
  rmSync(join(patched!.dir, '..'), { recursive: true, force: true });
});

t.test("an arm variant's zImage decompresses to the patched kernel, not its baseline's", async (t) => {
  // piggy.S .incbin's the compressed kernel, which ccache's depend mode does not hash: a
  // cached piggy.o once gave the patched zImage its baseline's kernel.
  const { seriesDir, nonce } = nonceSeries(t, 'cma-nonce-arm');

  const r = await bootlab(['build', '--arch', 'arm', '--series', seriesDir, '--json']);
  t.equal(r.exitCode, 0, r.stderr);
  const [, patched] = outcomes(r.stdout);
  const zImage = readFileSync(patched!.image);
  const kernel = gunzipSync(zImage.subarray(zImage.indexOf(Buffer.from([0x1f, 0x8b, 0x08]))), { finishFlush: constants.Z_SYNC_FLUSH });
  t.ok(kernel.includes(nonce), 'the kernel inside the zImage has the patch');
  rmSync(join(patched!.dir, '..'), { recursive: true, force: true });
});

t.test('a fragment symbol that cannot be set fails the build with its name and dependency, exit 2', async (t) => {
  const r = await bootlab(['build', '--arch', 'mips', '--fragments', 'cma,numa']);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /CONFIG_NUMA=y requested \(fragment numa\), not set: depends on SYS_SUPPORTS_NUMA/);
  t.match(r.stderr, /configs\/kconfig\/numa\.config/);
});

t.test('a missing series file is a user error, exit 2', async (t) => {
  const r = await bootlab(['build', '--arch', 'arm64', '--series', 'no-such-series']);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /Patch series "no-such-series" not found: .*patches\/no-such-series\/series does not exist/);
});

t.test('a patch that does not apply names patch, file and hunk, exits 2 and leaves no patched tree', async (t) => {
  const r = await bootlab(['build', '--arch', 'arm64', '--series', join(FIXTURES, 'series', 'does-not-apply')]);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /0001-context-mismatch\.patch \(series "does-not-apply"\) does not apply to this kernel tree: mm\/cma\.c: hunk #1 \(at line 145\)/);
  const variants = join(cacheRoot(), 'variants');
  const left = existsSync(variants) ? readdirSync(variants).filter((d) => d.includes('does-not-apply')) : [];
  t.same(left, [], 'no full or half-patched tree is left');
});
