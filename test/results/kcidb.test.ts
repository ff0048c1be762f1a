import t from 'tap';
import { UserError } from '../../harness/util/errors.ts';
import { KCIDB_VERSION, patchsetHash, toKcidb, type KcidbData } from '../../harness/results/kcidb.ts';
import { fixtureSummary, mutableSummary } from './helpers.ts';

const STATUSES = ['FAIL', 'ERROR', 'MISS', 'PASS', 'DONE', 'SKIP'];

function nulls(v: unknown, path = '$'): string[] {
  if (v === null || v === undefined) return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => nulls(x, `${path}[${i}]`));
  if (typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => nulls(x, `${path}.${k}`));
  return [];
}

t.test('the data is KCIDB v4.3 with one checkout per variant, one build per kernel, two tests per job', async (t) => {
  const k = toKcidb(fixtureSummary());
  t.same(k.version, { major: 4, minor: 3 });
  t.equal(KCIDB_VERSION.major, 4);
  t.same(k.checkouts.map((c) => c.id), ['bootlab:20250106-100000-premerge:baseline', 'bootlab:20250106-100000-premerge:cma-dynamic-areas']);
  t.same(k.builds.map((b) => `${b.architecture}/${b.checkout_id.split(':').at(-1)}`), ['arm64/baseline', 'arm64/cma-dynamic-areas', 'arm/baseline', 'arm/cma-dynamic-areas', 'mips/baseline', 'mips/cma-dynamic-areas']);
  t.equal(k.tests.length, 24);
});

t.test('every object has its required fields and an origin-prefixed id, and nothing is null', async (t) => {
  const k = toKcidb(fixtureSummary());
  for (const c of k.checkouts) t.ok(c.id.startsWith('bootlab:') && c.origin === 'bootlab', c.id);
  for (const b of k.builds) t.ok(b.id.startsWith('bootlab:') && b.origin === 'bootlab' && b.checkout_id.startsWith('bootlab:'), b.id);
  for (const x of k.tests) t.ok(x.id.startsWith('bootlab:') && x.origin === 'bootlab' && x.build_id.startsWith('bootlab:'), x.id);
  const ids = [...k.checkouts, ...k.builds, ...k.tests].map((o) => o.id);
  t.equal(new Set(ids).size, ids.length, 'ids are unique');
  t.same(nulls(k), [], 'v4 forbids null properties');
});

t.test('every test points at a build and every build at a checkout', async (t) => {
  const k = toKcidb(fixtureSummary());
  const builds = new Set(k.builds.map((b) => b.id));
  const checkouts = new Set(k.checkouts.map((c) => c.id));
  for (const x of k.tests) t.ok(builds.has(x.build_id), `${x.id} -> ${x.build_id}`);
  for (const b of k.builds) t.ok(checkouts.has(b.checkout_id), `${b.id} -> ${b.checkout_id}`);
});

t.test('values follow the v4 patterns and enums', async (t) => {
  const k = toKcidb(fixtureSummary());
  for (const x of k.tests) {
    t.ok(STATUSES.includes(x.status ?? ''), `${x.id} status ${x.status}`);
    t.match(x.path, /^[.a-zA-Z0-9_-]*$/);
    if (x.log_excerpt) t.ok(x.log_excerpt.length <= 16384);
  }
  for (const b of k.builds) t.match(b.architecture, /^[a-z0-9_]*$/);
  for (const c of k.checkouts) t.match(c.patchset_hash, /^$|^[0-9a-f]{64}$/);
});

const test = (k: KcidbData, job: string, part: 'boot' | 'cma') => k.tests.find((x) => x.id === `bootlab:20250106-100000-premerge:${job}:${part}`);

t.test('tests say what the kernel did: the crash FAILs with its report, the CMA mismatch FAILs, the build failure MISSes', async (t) => {
  const k = toKcidb(fixtureSummary());
  const crash = test(k, 'arm64-cma-dynamic-areas-default', 'boot');
  t.match(crash, { path: 'boot.default', status: 'FAIL', duration: 1.873, log_url: 'jobs/arm64-cma-dynamic-areas-default/console.log', misc: { verdict: 'crash', as_expected: false } });
  t.match(crash?.log_excerpt, /^BUG: unable to handle kernel paging request in cma_init_reserved_mem\n\[ {4}0\.000000\] Unable to handle kernel paging request/);
  t.match(test(k, 'arm64-cma-dynamic-areas-default', 'cma'), { path: 'boot.default.cma', status: 'SKIP' });
  t.match(test(k, 'arm-cma-dynamic-areas-default', 'boot'), { status: 'PASS' });
  t.match(test(k, 'arm-cma-dynamic-areas-default', 'cma'), { status: 'FAIL', log_url: 'jobs/arm-cma-dynamic-areas-default/cma.txt', log_excerpt: 'reserved wrong-size\nCmaTotal is 16 MiB, expected 32 MiB' });
  t.match(test(k, 'arm64-baseline-silent', 'boot'), { status: 'FAIL', misc: { verdict: 'hang', as_expected: true } }, 'an expected hang is still a FAIL; the expectation is in misc');
  t.match(test(k, 'arm-cma-dynamic-areas-silent', 'boot'), { status: 'MISS' });
  t.match(test(k, 'mips-cma-dynamic-areas-default', 'boot'), { status: 'MISS', log_excerpt: /memblock_alloc_range_nid/ });
  t.match(test(k, 'mips-baseline-default', 'boot'), { status: 'PASS', misc: { boots: ['infra-error', 'pass'], tally: 'infra-error 1/2, pass 1/2' } });
});

t.test('builds carry architecture, config, compiler, duration, log and validity', async (t) => {
  const k = toKcidb(fixtureSummary());
  t.same(k.builds.find((b) => b.id === 'bootlab:20250106-100000-premerge:mips:cma-dynamic-areas'), {
    id: 'bootlab:20250106-100000-premerge:mips:cma-dynamic-areas',
    origin: 'bootlab',
    checkout_id: 'bootlab:20250106-100000-premerge:cma-dynamic-areas',
    comment: 'mips cma-dynamic-areas',
    architecture: 'mips',
    config_name: 'base-mips+cma+cma-debugfs',
    compiler: 'mips-linux-gnu-gcc 12.2.0',
    duration: 27,
    log_url: 'builds/mips-cma-dynamic-areas/build.log',
    valid: false,
    log_excerpt: "mm/cma.c:214:9: error: implicit declaration of function 'memblock_alloc_range_nid'; did you mean 'memblock_alloc_try_nid'? [-Werror=implicit-function-declaration]\nmake[3]: *** [scripts/Makefile.build:250: mm/cma.o] Error 1",
    misc: { how: 'incremental' },
  });
});

t.test('the patched checkout has the patchset hash the KCIDB docs define', async (t) => {
  // printf '%s\n' <sha256 of 0001> <sha256 of 0002> | sha256sum
  const k = toKcidb(fixtureSummary());
  t.equal(k.checkouts[1]?.patchset_hash, '4498c4d723b9cecdef1200012c8fc2cea16a27d5652ec39eb95539019a6b290f');
  t.equal(k.checkouts[0]?.patchset_hash, '', 'baseline applies no patches');
  t.equal(patchsetHash([]), '');
  const stacked = mutableSummary();
  stacked.series = [{ ...stacked.series[0], name: 'early+cma-dynamic-areas' }];
  for (const j of stacked.jobs) if (j.variant !== 'baseline') j.variant = 'early+cma-dynamic-areas';
  for (const b of stacked.builds) if (b.variant !== 'baseline') b.variant = 'early+cma-dynamic-areas';
  t.equal(toKcidb(stacked).checkouts[1]?.patchset_hash, '4498c4d723b9cecdef1200012c8fc2cea16a27d5652ec39eb95539019a6b290f', 'a stacked variant, recorded as one series under its whole name');
});

t.test('the origin prefixes every id and must match the schema pattern', async (t) => {
  const k = toKcidb(fixtureSummary(), 'my_lab');
  t.ok([...k.checkouts, ...k.builds, ...k.tests].every((o) => o.id.startsWith('my_lab:') && o.origin === 'my_lab'));
  t.ok(k.tests.every((x) => x.build_id.startsWith('my_lab:')));
  t.throws(() => toKcidb(fixtureSummary(), 'My-Lab'), UserError);
});

t.test('with a base URL, log links become absolute', async (t) => {
  const k = toKcidb(fixtureSummary(), 'bootlab', { baseUrl: 'https://ci.example.org/runs/20250106' });
  t.equal(k.builds[0]?.log_url, 'https://ci.example.org/runs/20250106/builds/arm64-baseline/build.log');
  t.equal(test(k, 'arm64-baseline-default', 'boot')?.log_url, 'https://ci.example.org/runs/20250106/jobs/arm64-baseline-default/console.log');
});

t.test('a kernel with jobs but no build record still gets a build for its tests to point at', async (t) => {
  const m = mutableSummary();
  m.builds = m.builds.filter((b: { arch: string; variant: string }) => !(b.arch === 'arm' && b.variant === 'cma-dynamic-areas'));
  const k = toKcidb(m);
  const b = k.builds.find((x) => x.id === 'bootlab:20250106-100000-premerge:arm:cma-dynamic-areas');
  t.ok(b);
  t.equal(b?.valid, undefined, 'validity unknown, so left out');
  t.equal(k.tests.filter((x) => x.build_id === b?.id).length, 4);
});

t.test('a debug kernel is another build of the same checkout, its config named by its fragments', async (t) => {
  const m = mutableSummary();
  const debug = (x: { arch: string; variant: string; id?: string }) => x.arch === 'mips' && x.variant === 'baseline';
  m.builds = [...m.builds, ...m.builds.filter(debug).map((b: object) => ({ ...b, variant: 'baseline@debug' }))];
  m.jobs = [...m.jobs, ...m.jobs.filter(debug).map((j: { id: string }) => ({ ...j, id: j.id.replace('baseline', 'baseline@debug'), variant: 'baseline@debug' }))];
  const k = toKcidb(m);
  t.same(k.checkouts.map((c) => c.id), ['bootlab:20250106-100000-premerge:baseline', 'bootlab:20250106-100000-premerge:cma-dynamic-areas'], 'no checkout of its own');
  const b = k.builds.find((x) => x.id === 'bootlab:20250106-100000-premerge:mips:baseline@debug');
  t.equal(b?.checkout_id, 'bootlab:20250106-100000-premerge:baseline');
  t.equal(b?.config_name, 'base-mips+cma+cma-debugfs+debug-locking+debug-ubsan+debug-objects+debug-list+debug-kmemleak');
  t.ok(k.tests.some((x) => x.build_id === b?.id), 'its jobs point at it');
});
