/** `bootlab report` over console logs, through the real CLI. Symbolization is in symbolize.test.ts. */
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCrashes } from '../../harness/crash/parse.ts';
import { bootlab } from '../helpers.ts';
import { crashFixtureNames, fixtureLog } from './fixture-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'bootlab-report-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

interface LogReports {
  file: string;
  reports: { kind: string; title: string; guiltyFunction: string | null; corrupted: boolean; frames: unknown[] }[];
}

t.test('300 console logs in one call give one JSON line each, with every report the parser finds', async (t) => {
  const names = crashFixtureNames();
  const logs = Array.from({ length: 300 }, (_, i) => {
    const name = names[i % names.length]!;
    const file = join(dir, `${String(i).padStart(3, '0')}-${name}`);
    writeFileSync(file, fixtureLog(name));
    return { file, name };
  });
  const r = await bootlab(['report', '--json', ...logs.map((l) => l.file)]);
  t.equal(r.exitCode, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as LogReports);
  t.equal(lines.length, 300);
  t.same(lines.map((l) => l.file), logs.map((l) => l.file), 'one object per log, in the order given');
  const expected = logs.map((l) => parseCrashes(fixtureLog(l.name)).map((c) => c.title));
  t.same(lines.map((l) => l.reports.map((c) => c.title)), expected, 'each log has the reports parseCrashes finds in it');
  t.ok(expected.flat().length >= 250, `${expected.flat().length} reports in all (a few fixtures are clean boots)`);
  const keys = ['kind', 'title', 'guiltyFunction', 'corrupted', 'frames'];
  t.same(
    lines.flatMap((l) => l.reports).filter((c) => !keys.every((k) => k in c)),
    [],
    `every report has ${keys.join(', ')}`,
  );
});

t.test('text output ends with the titles seen on several logs', async (t) => {
  const a = join(dir, 'a.log');
  const b = join(dir, 'b.log');
  writeFileSync(a, fixtureLog('arm64-cma-paging-request.log'));
  writeFileSync(b, fixtureLog('arm64-cma-paging-request.log'));
  const r = await bootlab(['report', a, b]);
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, `== ${a}: 1 crash report\nBUG: unable to handle kernel paging request in cma_init_reserved_mem\n`);
  t.ok(
    r.stdout.endsWith(`== 1 crash title over 2 logs\nBUG: unable to handle kernel paging request in cma_init_reserved_mem\n  seen on 2 jobs: ${a}, ${b}`),
    r.stdout.slice(-400),
  );
});

t.test('a log without a crash is listed with no report', async (t) => {
  const clean = join(dir, 'clean.log');
  writeFileSync(clean, '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]\n');
  const r = await bootlab(['report', '--json', clean]);
  t.equal(r.exitCode, 0, r.stderr);
  t.same(JSON.parse(r.stdout), { file: clean, reports: [] });
});

t.test('a missing log, a missing vmlinux and a directory are user errors that name the path', async (t) => {
  const log = join(dir, 'a.log');
  writeFileSync(log, fixtureLog('arm64-cma-paging-request.log'));
  const missing = await bootlab(['report', log, join(dir, 'nope.log')]);
  t.equal(missing.exitCode, 2);
  t.equal(missing.stdout, '', 'nothing is printed for the logs that do exist');
  t.match(missing.stderr, `console log ${join(dir, 'nope.log')} does not exist`);

  const noVmlinux = await bootlab(['report', log, '--vmlinux', join(dir, 'vmlinux')]);
  t.equal(noVmlinux.exitCode, 2);
  t.match(noVmlinux.stderr, `vmlinux ${join(dir, 'vmlinux')} does not exist`);

  const notElf = await bootlab(['report', log, '--vmlinux', log]);
  t.equal(notElf.exitCode, 2);
  t.match(notElf.stderr, `${log} is not an ELF file`);

  const plain = await bootlab(['report', dir]);
  t.equal(plain.exitCode, 2);
  t.match(plain.stderr, `${dir} is a directory: bootlab report takes console log files`);

  const run = join(dir, 'run');
  mkdirSync(run);
  writeFileSync(join(run, 'summary.json'), '{}\n');
  const runDir = await bootlab(['report', run]);
  t.equal(runDir.exitCode, 2);
  t.match(runDir.stderr, `${join(run, 'summary.json')} is not a bootlab run summary`, 'a run directory is read as one, and a broken summary is named');

  const none = await bootlab(['report']);
  t.equal(none.exitCode, 2);
  t.match(none.stderr, 'needs one or more console logs');
});
