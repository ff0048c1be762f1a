import t from 'tap';
import { parseStringPromise } from 'xml2js';
import { toJUnit } from '../../harness/results/junit.ts';
import type { RunSummary } from '../../harness/results/model.ts';
import { fixtureSummary, mutableSummary } from './helpers.ts';

/** The parts of xml2js's default output these tests read. */
interface Attrs { [k: string]: string }
interface TestCase { $: Attrs; failure?: { $: Attrs; _?: string }[]; error?: { $: Attrs; _?: string }[]; skipped?: { $: Attrs }[]; 'system-out'?: string[] }
interface Suite { $: Attrs; testcase?: TestCase[]; properties?: { property: { $: Attrs }[] }[] }
interface Doc { testsuites: { $: Attrs; testsuite: Suite[] } }

const parse = async (s: RunSummary): Promise<Doc> => (await parseStringPromise(toJUnit(s))) as Doc;
const suiteNamed = (d: Doc, name: string): Suite => {
  const s = d.testsuites.testsuite.find((x) => x.$.name === name);
  if (!s) throw new Error(`no testsuite ${name}`);
  return s;
};
const caseNamed = (s: Suite, name: string): TestCase => {
  const c = s.testcase?.find((x) => x.$.name === name);
  if (!c) throw new Error(`no testcase ${name} in ${s.$.name}`);
  return c;
};

t.test('one testsuite per kernel, baseline first within each arch', async (t) => {
  const d = await parse(fixtureSummary());
  t.same(d.testsuites.testsuite.map((s) => s.$.name), ['arm64/baseline', 'arm64/cma-dynamic-areas', 'arm/baseline', 'arm/cma-dynamic-areas', 'mips/baseline', 'mips/cma-dynamic-areas']);
});

t.test('each job is a boot testcase named for its profile plus a "<profile> cma" testcase', async (t) => {
  const s = suiteNamed(await parse(fixtureSummary()), 'arm64/cma-dynamic-areas');
  t.same(s.testcase?.map((c) => c.$.name), ['default', 'default cma', 'numa2', 'numa2 cma', 'silent', 'silent cma']);
  t.ok(s.testcase?.every((c) => c.$.classname === 'bootlab.arm64.cma-dynamic-areas'));
  t.equal(caseNamed(s, 'default').$.time, '1.873');
});

t.test('the totals on <testsuites> and every <testsuite> match the testcases under them', async (t) => {
  const d = await parse(fixtureSummary());
  t.same(d.testsuites.$, { name: 'bootlab premerge-cma-dynamic-areas 20250106-100000-premerge', tests: '24', failures: '2', errors: '1', skipped: '7', time: '1872.480' });
  for (const s of d.testsuites.testsuite) {
    const cases = s.testcase ?? [];
    t.same(
      [s.$.tests, s.$.failures, s.$.errors, s.$.skipped].map(Number),
      [cases.length, cases.filter((c) => c.failure).length, cases.filter((c) => c.error).length, cases.filter((c) => c.skipped).length],
      `${s.$.name} counts`,
    );
    t.equal(s.$.timestamp, '2025-01-06T10:00:00', 'xs:dateTime without zone, as the JUnit schema has it');
  }
});

t.test('an unexpected crash fails its boot testcase with the crash title, reason and report', async (t) => {
  const c = caseNamed(suiteNamed(await parse(fixtureSummary()), 'arm64/cma-dynamic-areas'), 'default');
  t.equal(c.failure?.length, 1);
  t.equal(c.failure?.[0]?.$.message, 'crash: BUG: unable to handle kernel paging request in cma_init_reserved_mem (Kernel panic - not syncing: Attempted to kill the idle task!)');
  t.match(c.failure?.[0]?._, /problem: verdict crash .*expected pass/);
  t.match(c.failure?.[0]?._, /\[ {4}0\.000000\]  cma_init_reserved_mem\+0x98\/0x154/, 'the call trace is in the failure text');
  t.same(c['system-out'], ['console log: jobs/arm64-cma-dynamic-areas-default/console.log\ncrash report: jobs/arm64-cma-dynamic-areas-default/crash.txt\nresult: jobs/arm64-cma-dynamic-areas-default/result.json']);
});

t.test('an expected hang passes and its CMA testcase is skipped, saying why', async (t) => {
  const s = suiteNamed(await parse(fixtureSummary()), 'arm64/baseline');
  t.notOk(caseNamed(s, 'silent').failure);
  t.notOk(caseNamed(s, 'silent').skipped);
  t.same(caseNamed(s, 'silent cma').skipped, [{ $: { message: 'CMA not checked: the boot ended with hang' } }]);
});

t.test('a CMA mismatch fails the CMA testcase with the expected-vs-actual table, not the boot', async (t) => {
  const s = suiteNamed(await parse(fixtureSummary()), 'arm/cma-dynamic-areas');
  t.notOk(caseNamed(s, 'default').failure, 'the kernel booted as expected');
  const f = caseNamed(s, 'default cma').failure?.[0];
  t.equal(f?.$.message, 'CMA check failed: reserved wrong-size; CmaTotal is 16 MiB, expected 32 MiB');
  t.match(f?._, /^area +expected +actual +status\nreserved +32 MiB +16 MiB n0 +wrong-size\nCmaTotal: expected 32 MiB, actual 16 MiB/);
  t.same(caseNamed(s, 'default cma')['system-out'], ['CMA table: jobs/arm-cma-dynamic-areas-default/cma.txt\nconsole log: jobs/arm-cma-dynamic-areas-default/console.log']);
});

t.test('a job whose kernel did not build is an <error> carrying the compiler error', async (t) => {
  const s = suiteNamed(await parse(fixtureSummary()), 'mips/cma-dynamic-areas');
  const e = caseNamed(s, 'default').error?.[0];
  t.equal(e?.$.type, 'build-failed');
  t.match(e?._, /mm\/cma\.c:214:9: error: implicit declaration of function 'memblock_alloc_range_nid'/);
  t.match(e?._, /build log: builds\/mips-cma-dynamic-areas\/build\.log/);
  t.ok(caseNamed(s, 'default cma').skipped);
});

t.test('a job the run never reached is skipped', async (t) => {
  const s = suiteNamed(await parse(fixtureSummary()), 'arm/cma-dynamic-areas');
  t.same(caseNamed(s, 'silent').skipped, [{ $: { message: 'not run: the run was interrupted (SIGINT) before this job started' } }]);
  t.notOk(caseNamed(s, 'silent')['system-out'], 'no console log to point at');
});

t.test('a failed build whose jobs are all not-run still shows as one error', async (t) => {
  const m = mutableSummary();
  for (const j of m.jobs) if (j.verdict === 'build-failed') j.verdict = 'not-run';
  const s = suiteNamed(await parse(m), 'mips/cma-dynamic-areas');
  t.same(s.testcase?.map((c) => c.$.name), ['build', 'default', 'default cma']);
  t.match(caseNamed(s, 'build').error?.[0]?._, /mm\/cma\.o\] Error 1/);
  t.equal(s.$.errors, '1');
});

t.test('control characters from QEMU stderr cannot make the XML invalid', async (t) => {
  const m = mutableSummary();
  const j = m.jobs.find((x: { verdict: string }) => x.verdict === 'crash');
  j.reason = 'qemu-system-aarch64: \x1b[31mfatal\x00\x07 <&> "quoted"';
  const c = caseNamed(suiteNamed(await parse(m), 'arm64/cma-dynamic-areas'), 'default');
  t.match(c.failure?.[0]?.$.message, /qemu-system-aarch64: \uFFFD\[31mfatal\uFFFD\uFFFD <&> "quoted"/);
});
