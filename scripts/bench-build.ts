/**
 * Build benchmark: per arch, bootlab's cold, warm and incremental build times next to the
 * physical floor — the raw `make` of the same config in the same tree, without ccache — as
 * ratios. Uses a throwaway cache so "cold" is really cold.
 *
 *   npm run bench:build [-- --arch arm64,arm,mips]
 *
 * Writes results/bench-build-<date>.json. Slow by nature: two cold kernel builds per arch.
 */
import { $ } from 'zx';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseArchList } from '../harness/arch.ts';
import type { BuildOutcome } from '../harness/kbuild/build.ts';
import { REPO_ROOT } from '../harness/util/paths.ts';
import { rawColdMake } from './raw-make.ts';

$.verbose = false;
const { values } = parseArgs({ options: { arch: { type: 'string', default: 'arm64,arm,mips' } } });
const arches = parseArchList(values.arch!);
const cache = mkdtempSync(join(tmpdir(), 'bootlab-bench-'));
const env = { ...process.env, BOOTLAB_CACHE: cache, CCACHE_DIR: join(cache, 'ccache') };
const bin = join(REPO_ROOT, 'bin', 'bootlab.js');

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, Math.round(performance.now() - t0)];
}

async function bootlab(args: string[]): Promise<BuildOutcome[]> {
  const r = await $({ env, cwd: REPO_ROOT })`node ${bin} build ${args} --json`;
  return JSON.parse(r.stdout) as BuildOutcome[];
}

/** A one-line change to mm/cma.c, unique to this run so it is never cached. */
function nonceSeries(): string {
  const dir = join(cache, 'series', 'bench-nonce');
  mkdirSync(dir, { recursive: true });
  const patch = readFileSync(join(REPO_ROOT, 'test/fixtures/series/cma-count-message/0001-mm-cma-log-area-count.patch'), 'utf8').replace('activating %u CMA areas', `activating %u CMA areas (bench ${Date.now()})`);
  writeFileSync(join(dir, '0001.patch'), patch);
  writeFileSync(join(dir, 'series'), '0001.patch\n');
  return dir;
}

const rows = [];
try {
  for (const arch of arches) {
    process.stderr.write(`${arch}: cold bootlab build\n`);
    const [[cold], coldMs] = await timed(() => bootlab(['--arch', arch]));
    if (!cold?.ok) throw new Error(`${arch} cold build failed`);
    const [, warmMs] = await timed(() => bootlab(['--arch', arch]));
    process.stderr.write(`${arch}: incremental patched build\n`);
    const [[, patched]] = await timed(() => bootlab(['--arch', arch, '--series', nonceSeries()]));
    if (!patched?.ok) throw new Error(`${arch} patched build failed`);

    // The floor: the same fragments, the same tree, plain make without ccache.
    process.stderr.write(`${arch}: raw make\n`);
    const rawMs = await rawColdMake(join(cold.dir, '..'), arch, join(cache, `raw-${arch}`));
    rows.push({ arch, coldMs, rawMakeMs: rawMs, coldRatio: +(coldMs / rawMs).toFixed(2), warmMs, incrementalMs: patched.durationMs, incrementalOverCold: +(patched.durationMs / coldMs).toFixed(3) });
  }
} finally {
  rmSync(cache, { recursive: true, force: true });
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
console.log('arch    cold      raw make  ratio   warm     incremental  incr/cold');
for (const r of rows) console.log(`${r.arch.padEnd(7)} ${s(r.coldMs).padEnd(9)} ${s(r.rawMakeMs).padEnd(9)} ${String(r.coldRatio).padEnd(7)} ${s(r.warmMs).padEnd(8)} ${s(r.incrementalMs).padEnd(12)} ${r.incrementalOverCold}`);
const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30) };
const file = join(REPO_ROOT, 'results', `bench-build-${new Date().toISOString().slice(0, 10)}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2)}\n`);
console.log(`written to ${file}`);
