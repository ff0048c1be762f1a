import t from 'tap';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../../harness/util/lock.ts';
import { REPO } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'bootlab-lock-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('two processes holding the same lock never overlap', async (t) => {
  const log = join(dir, 'log');
  writeFileSync(log, '');
  const script = `
    import { appendFileSync } from 'node:fs';
    import { withLock } from ${JSON.stringify(join(REPO, 'harness', 'util', 'lock.ts'))};
    await withLock(${JSON.stringify(join(dir, 'entry'))}, async () => {
      appendFileSync(${JSON.stringify(log)}, 'in ' + process.argv[2] + '\\n');
      await new Promise((r) => setTimeout(r, 400));
      appendFileSync(${JSON.stringify(log)}, 'out ' + process.argv[2] + '\\n');
    });`;
  const file = join(dir, 'hold.mts');
  writeFileSync(file, script);
  await Promise.all(['a', 'b', 'c'].map((n) => execa('node', ['--import', 'tsx', file, n], { cwd: REPO })));
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  t.equal(lines.length, 6);
  for (let i = 0; i < 6; i += 2) t.equal(lines[i + 1], lines[i]!.replace('in', 'out'), `critical sections are not interleaved: ${lines.join(', ')}`);
  t.notOk(existsSync(join(dir, 'entry.lock')), 'the lock is released');
});

t.test('a lock left by a dead process is taken over', async (t) => {
  writeFileSync(join(dir, 'stale.lock'), '999999');
  t.equal(await withLock(join(dir, 'stale'), async () => 'got it'), 'got it');
});

t.test('a lock is re-entrant within one process', async (t) => {
  t.equal(await withLock(join(dir, 'r'), () => withLock(join(dir, 'r'), async () => 42)), 42);
});
