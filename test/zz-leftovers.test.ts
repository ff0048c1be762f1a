/**
 * Runs last (files run in name order, one at a time): whatever the tests before did, no
 * QEMU or make started by bootlab may still be running.
 */
import t from 'tap';
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { qemuProcesses } from './helpers.ts';

t.test('no QEMU started by bootlab is left after the suite', async (t) => {
  t.same(await qemuProcesses('bootlab-'), []);
});

t.test('no make building in bootlab\'s cache is left after the suite', async (t) => {
  const r = await execa('pgrep', ['-af', '^make .*O=.*/bootlab-'], { reject: false });
  t.same(r.stdout.split('\n').filter(Boolean), []);
});

t.test('no QEMU monitor socket of a bootlab that has exited is left in the temp directory', async (t) => {
  const stale = readdirSync(tmpdir())
    .map((f) => /^bootlab-(\d+)-\d+\.mon$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && !existsSync(`/proc/${m[1]}`))
    .map((m) => m[0]);
  t.same(stale, []);
});
