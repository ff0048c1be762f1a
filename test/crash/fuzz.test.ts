import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CRASH_KINDS, parseCrashes, type CrashReport } from '../../harness/crash/parse.ts';

/**
 * The parser reads whatever a guest wrote to its serial port, including garbage and logs cut
 * off by a killed QEMU: it must never throw and must stay linear. Inputs come from a seeded
 * generator so a failure names a seed that reproduces it.
 */
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'crash');
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.log'))
  .sort()
  .map((name) => {
    const text = readFileSync(join(FIXTURES, name), 'utf8');
    const blank = /\r?\n\r?\n/.exec(text)!;
    return { name, log: text.slice(blank.index + blank[0].length) };
  });

/** mulberry32: small, fast, and the same sequence on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const kinds: ReadonlySet<string> = new Set(CRASH_KINDS);

/** What any result must satisfy, whatever the input. Returns the first violation, if any. */
function violation(log: string, reports: CrashReport[]): string | undefined {
  const lineCount = log.split('\n').length;
  let previousEnd = 0;
  for (const r of reports) {
    if (!kinds.has(r.kind)) return `unknown kind ${r.kind}`;
    if (typeof r.title !== 'string' || r.title.trim() === '') return 'empty title';
    if (!(r.startLine >= 1 && r.startLine <= r.endLine && r.endLine <= lineCount)) return `bad line range ${r.startLine}-${r.endLine} of ${lineCount}`;
    if (r.startLine <= previousEnd) return `report at ${r.startLine} overlaps the one ending at ${previousEnd}`;
    if (r.excerpt.length < 1 || r.excerpt.length > r.endLine - r.startLine + 1) return `excerpt of ${r.excerpt.length} lines for ${r.startLine}-${r.endLine}`;
    if (r.corrupted !== (r.corruptedReason !== undefined)) return 'corrupted and corruptedReason disagree';
    previousEnd = r.endLine;
  }
  return undefined;
}

/** Only what check() needs of a tap Test. */
interface Failer {
  fail(message: string): unknown;
}

function check(t: Failer, log: string, label: string): void {
  let reports: CrashReport[];
  try {
    reports = parseCrashes(log);
  } catch (error) {
    t.fail(`${label}: threw ${String(error)}`);
    return;
  }
  const problem = violation(log, reports);
  if (problem !== undefined) t.fail(`${label}: ${problem}`);
}

t.test('random bytes never throw, decoded as UTF-8 or as Latin-1', async (t) => {
  for (let seed = 1; seed <= 60; seed++) {
    const next = random(seed);
    const bytes = Buffer.alloc(Math.floor(next() * 64 * 1024));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
    check(t, bytes.toString('utf8'), `seed ${seed} utf8`);
    check(t, bytes.toString('latin1'), `seed ${seed} latin1`);
  }
  t.pass('60 random buffers parsed');
});

t.test('random truncations and slices of every fixture never throw', async (t) => {
  for (const { name, log } of fixtures) {
    const next = random(name.length * 7919);
    for (let k = 0; k < 40; k++) {
      const a = Math.floor(next() * log.length);
      const b = a + Math.floor(next() * (log.length - a));
      check(t, log.slice(0, a), `${name} cut at ${a}`);
      check(t, log.slice(a), `${name} from ${a}`);
      check(t, log.slice(a, b), `${name} ${a}..${b}`);
    }
  }
  t.pass(`${fixtures.length} fixtures cut 120 ways each`);
});

t.test('fixtures with random console noise spliced in never throw', async (t) => {
  const noise = ['\0', '\x1b', '\x1b[', '\x1b]0;', '\r', '\n', '\ufffd', '[', ']', '<', '>', '+0x', '/0x', ' from ', '---[ end trace ]---', 'Call trace:', 'Kernel panic - not syncing: ', 'BUG: ', '[    T1]'];
  for (const { name, log } of fixtures) {
    const next = random(name.length * 104729);
    for (let k = 0; k < 20; k++) {
      let mutated = log;
      for (let m = 0; m < 30; m++) {
        const at = Math.floor(next() * mutated.length);
        const piece = noise[Math.floor(next() * noise.length)]!;
        mutated = next() < 0.5 ? mutated.slice(0, at) + piece + mutated.slice(at) : mutated.slice(0, at) + piece + mutated.slice(at + piece.length);
      }
      check(t, mutated, `${name} mutation ${k}`);
    }
  }
  t.pass(`${fixtures.length} fixtures mutated 20 ways each`);
});

t.test('a 10 MB line without a newline is no crash and no trouble', async (t) => {
  t.same(parseCrashes('x'.repeat(10 * 1024 * 1024)), []);
  const [panic] = parseCrashes(`Kernel panic - not syncing: ${'y'.repeat(10 * 1024 * 1024)}`);
  t.equal(panic?.kind, 'panic');
  t.ok(panic!.excerpt[0]!.length <= 1024, 'the line is capped at the longest record printk can write');
});

t.test('10 MB of console parses in under a second', async (t) => {
  // A long boot console with every fixture's crash in it, ten times over. One boot: the
  // fixtures' own boot banners are left out, or each would be an unexpected reboot.
  const oneBoot = (log: string): string => log.replace(/^.*(?:Linux version \d|Booting the kernel).*$/gm, '');
  const boot = oneBoot(fixtures.find((f) => f.name === 'clean-boot.log')!.log);
  const megabyte = boot.repeat(Math.ceil((1024 * 1024) / boot.length));
  const parts: string[] = [];
  for (let i = 0; i < 10; i++) parts.push(megabyte, ...fixtures.map((f) => oneBoot(f.log)));
  const log = parts.join('\n');
  t.ok(log.length >= 10 * 1024 * 1024, `${(log.length / 1e6).toFixed(1)} MB`);

  const started = performance.now();
  const reports = parseCrashes(log);
  const ms = performance.now() - started;

  const perPass = fixtures.reduce((n, f) => n + parseCrashes(f.log).length, 0);
  t.equal(reports.length, 10 * perPass, 'every crash found, none invented');
  t.ok(ms < 1000, `parsed in ${ms.toFixed(0)} ms`);
});
