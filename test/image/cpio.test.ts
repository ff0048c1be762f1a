import t from 'tap';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCpio } from '../../harness/image/cpio.ts';

t.test('the newc archive unpacks with cpio(1) into the files, directories and device node given', async (t) => {
  const archive = writeCpio([
    { type: 'dir', name: 'dev' },
    { type: 'char', name: 'dev/console', major: 5, minor: 1 },
    { type: 'file', name: 'init', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'bootlab-cpio-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.cpio'), archive);
  const list = await execa('cpio', ['-itv', '-F', join(dir, 'a.cpio')], { reject: false });
  t.equal(list.exitCode, 0, list.stderr);
  const lines = list.stdout.split('\n');
  t.match(lines[0], /^drwxr-xr-x .* dev$/);
  t.match(lines[1], /^crw------- .* 5,\s+1 .* dev\/console$/);
  t.match(lines[2], /^-rwxr-xr-x .* 18 .* init$/);
  await execa('cpio', ['-id', '--no-absolute-filenames', '-F', join(dir, 'a.cpio'), 'init'], { cwd: dir });
  t.equal(readFileSync(join(dir, 'init'), 'utf8'), '#!/bin/sh\necho hi\n');
  t.equal(statSync(join(dir, 'init')).mode & 0o777, 0o755);
  t.same(writeCpio([{ type: 'dir', name: 'x' }]), writeCpio([{ type: 'dir', name: 'x' }]), 'archives are reproducible');
});
