/**
 * In npm test it runs last (files run in name order, one at a time): whatever the tests
 * before did, no QEMU or make started by bootlab may still be running. (npm run test:unit
 * runs two files at a time; none of them starts QEMU or make.)
 */
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pgrep, qemuProcesses } from './helpers.ts';

t.test('the process lister works: it sees this very test', async (t) => {
  t.ok((await pgrep('zz-leftovers')).some((l) => l.startsWith(`${process.pid} `)), 'pgrep lists this process');
});

t.test('no QEMU started by bootlab is left after the suite', async (t) => {
  t.same(await qemuProcesses('bootlab-'), []);
});

t.test('no gdb-multiarch attached to a bootlab gdb stub is left after the suite', async (t) => {
  t.same(await pgrep('^gdb-multiarch .*target remote gdb\\.sock'), []);
});

t.test('no make building in bootlab\'s cache is left after the suite', async (t) => {
  t.same(await pgrep('^make .*O=.*/bootlab-'), []);
});

t.test('no QEMU monitor socket of a bootlab that has exited is left in the temp directory', async (t) => {
  const stale = readdirSync(tmpdir())
    .map((f) => /^bootlab-(\d+)-\d+\.mon$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && !existsSync(`/proc/${m[1]}`))
    .map((m) => m[0]);
  t.same(stale, []);
});
