import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectationFor, globMatch, jobId, loadMatrix, parseMatrix, selectJobs } from '../harness/matrix.ts';
import { loadProfiles } from '../harness/boot/profile.ts';
import { monitorForAttempt } from '../harness/run/runner.ts';

const profiles = loadProfiles();
const F = 'configs/x.json';
const FIXTURES = join(import.meta.dirname, 'fixtures');

t.test('every committed matrix loads, and its jobs are the cross product of its groups', async (t) => {
  for (const name of ['nightly', 'premerge-cma-dynamic-areas', 'repro-arm64-numa-panic']) t.ok(loadMatrix(name, profiles).jobs.length > 0, name);
  const m = loadMatrix('repro-arm64-numa-panic', profiles);
  t.same(m.jobs.map((j) => j.id), ['arm64-arm64-early-cma-reserve-numa2', 'arm64-arm64-early-cma-reserve_cma-dynamic-areas-numa2']);
});

t.test('matrix errors name the file, the path in it and what is wrong', async (t) => {
  const group = { arches: ['arm64'], variants: ['baseline'], profiles: ['default'] };
  const cases: [unknown, RegExp][] = [
    [{ groups: [group], colour: 'red' }, /configs\/x\.json: colour: unknown key/],
    [{ groups: [] }, /groups: must be a non-empty list/],
    [{ groups: [{ ...group, arches: ['x86'] }] }, /groups\[0\]\.arches\[0\]: unknown arch "x86"\. bootlab knows arm64, arm, mips/],
    [{ groups: [{ ...group, profiles: ['nope'] }] }, /groups\[0\]\.profiles\[0\]: unknown profile "nope"/],
    [{ groups: [{ ...group, extra: 1 }] }, /groups\[0\]\.extra: unknown key/],
    [{ groups: [group], expect: [{ verdict: 'exploded' }] }, /expect\[0\]\.verdict: must be one of pass, crash, hang, qemu-error, infra-error/],
    [{ groups: [group], expect: [{ cma: 'maybe' }] }, /expect\[0\]\.cma: must be one of ok, slot-error, any/],
    [{ groups: [group], retries: -1 }, /retries: must be an integer 0\.\.5/],
    [{ groups: [group], inactivitySeconds: 0.5 }, /inactivitySeconds: must be a number of seconds from 1 to 600/],
    [{ groups: [group], inactivitySeconds: '5' }, /inactivitySeconds: must be a number of seconds from 1 to 600/],
  ];
  for (const [raw, message] of cases) t.throws(() => parseMatrix(raw as never, F, profiles), { name: 'UserError', message }, String(message));
});

t.test('a variant may name a kernel config; an unknown one is a user error naming the field', async (t) => {
  const group = { arches: ['arm64', 'mips'], variants: ['baseline@debug', 'cma-dynamic-areas@debug'], profiles: ['default'] };
  const m = parseMatrix({ groups: [group] } as never, F, profiles);
  t.same(m.jobs.map((j) => j.id), ['arm64-baseline@debug-default', 'arm64-cma-dynamic-areas@debug-default', 'mips-baseline@debug-default', 'mips-cma-dynamic-areas@debug-default']);
  const cases: [string, RegExp][] = [
    ['baseline@kasan', /^configs\/x\.json: groups\[0\]\.variants\[1\]: "baseline@kasan" asks for the kernel config "kasan", which bootlab does not have\. A variant is <series>\[@<config>\]/],
    ['@debug', /groups\[0\]\.variants\[1\]: "@debug" names no series before "@"/],
    ['../x@debug', /groups\[0\]\.variants\[1\]: "\.\.\/x@debug" is not a variant: use "baseline" or a series name under patches\//],
  ];
  for (const [variant, message] of cases) {
    t.throws(() => parseMatrix({ groups: [{ ...group, variants: ['baseline', variant] }] } as never, F, profiles), { name: 'UserError', message }, variant);
  }
});

t.test('the nightly boots every arch\'s baseline with the debug config', async (t) => {
  const debug = loadMatrix('nightly', profiles).jobs.filter((j) => j.variant === 'baseline@debug');
  t.same(debug.map((j) => j.id).sort(), ['arm-baseline@debug-default', 'arm64-baseline@debug-default', 'mips-baseline@debug-default']);
});

t.test('the bug zoo matrix expects, of every zoo bug on every arch, its title or a clean boot and why', async (t) => {
  const zooProfiles = loadProfiles(join(FIXTURES, 'profiles', 'bug-zoo.json'));
  const m = loadMatrix(join(FIXTURES, 'matrices', 'bug-zoo.json'), zooProfiles);
  const patch = readFileSync(join(FIXTURES, 'series', 'bug-zoo', '0001-lib-bootlab-bug-zoo.patch'), 'utf8');
  const bugs = [...patch.matchAll(/^\+\t\{ "([a-z-]+)", zoo_\w+ \},$/gm)].map((x) => x[1]!);
  t.same([...zooProfiles.keys()], bugs.map((b) => `zoo-${b}`), 'one profile per bug of the zoo, in its order');
  for (const [name, p] of zooProfiles) t.equal(p.cmdline[0], `bootlab.bug=${name.slice('zoo-'.length)}`, name);
  t.equal(m.jobs.length, bugs.length * 3);
  const functions = new Set([...patch.matchAll(/^\+static noinline (?:__no_sanitize_address )?\w+ (zoo_\w+)\(/gm)].map((x) => x[1]!));
  for (const j of m.jobs) {
    const e = expectationFor(j, m.expect);
    const guilty = e.title?.slice(e.title.lastIndexOf(' in ') + ' in '.length);
    if (e.verdict === 'crash') t.ok(guilty !== undefined && (functions.has(guilty) || (guilty === 'corrupted' && e.why)), `${j.id}: "${e.title}" names a noinline function of the zoo, or says why the trace cannot`);
    else t.ok(e.verdict === 'pass' && e.why, `${j.id}: no detector, and the matrix says why`);
  }
});

t.test('a matrix inactivity window applies to first attempts only; the command line wins', async (t) => {
  const group = { arches: ['arm64'], variants: ['baseline'], profiles: ['default'] };
  const m = parseMatrix({ groups: [group], inactivitySeconds: 6 } as never, F, profiles);
  t.equal(m.inactivityMs, 6000);
  t.equal(parseMatrix({ groups: [group] } as never, F, profiles).inactivityMs, undefined, 'no key: bootlab default');
  t.same(monitorForAttempt(0, m), { inactivityMs: 6000 }, 'first attempt: the matrix window');
  t.equal(monitorForAttempt(1, m), undefined, 'a confirmation re-run: the default window');
  t.same(monitorForAttempt(0, m, { inactivityMs: 20_000 }), { inactivityMs: 20_000 }, '--inactivity overrides the matrix');
  t.same(monitorForAttempt(1, m, { inactivityMs: 20_000 }), { inactivityMs: 20_000 });
  t.equal(loadMatrix('nightly', profiles).inactivityMs, 10_000, 'the nightly calls a hang after 10 s of silence: its debug kernels pause up to 6 s to scan for leaks');
});

t.test('expectations default to a clean pass; later rules win; a non-pass verdict stops the CMA check', async (t) => {
  const job = { id: jobId('arm', 'cma-dynamic-areas', 'default'), arch: 'arm' as const, variant: 'cma-dynamic-areas', profile: 'default' };
  t.same(expectationFor(job, []), { verdict: 'pass', cma: 'ok' });
  t.same(expectationFor(job, [{ arch: 'arm', variant: 'cma-*', verdict: 'hang', why: 'early abort' }]), { verdict: 'hang', cma: 'any', why: 'early abort' });
  t.same(expectationFor(job, [{ arch: 'arm', verdict: 'hang' }, { profile: 'default', verdict: 'pass' }]), { verdict: 'pass', cma: 'any' });
  t.same(expectationFor(job, [{ arch: 'mips', verdict: 'hang' }]), { verdict: 'pass', cma: 'ok' }, 'rules for other arches do not apply');
});

t.test('filters and shards select jobs deterministically; shards partition the matrix', async (t) => {
  const m = loadMatrix('nightly', profiles);
  t.ok(selectJobs(m.jobs, { arches: ['mips'] }).every((j) => j.arch === 'mips'));
  t.same(selectJobs(m.jobs, { only: 'arm-*-default' }).map((j) => j.id), ['arm-baseline-default', 'arm-cma-dynamic-areas-default', 'arm-baseline@debug-default']);
  const a = selectJobs(m.jobs, { shard: [1, 2] }).map((j) => j.id);
  const b = selectJobs(m.jobs, { shard: [2, 2] }).map((j) => j.id);
  t.same([...a, ...b].sort(), m.jobs.map((j) => j.id).sort(), 'the two shards together are the whole matrix');
  t.same(a.filter((id) => b.includes(id)), [], 'no job is in both shards');
});

t.test('globs match whole names', async (t) => {
  t.ok(globMatch('cma-*', 'cma-dynamic-areas'));
  t.notOk(globMatch('cma', 'cma-dynamic-areas'));
  t.ok(globMatch('numa?', 'numa2'));
});
