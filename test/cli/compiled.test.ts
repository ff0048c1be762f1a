/**
 * bootlab runs compiled out of dist/, and never stale: a copy of the checkout is started, a
 * source is edited, and the next start must run the edited code.
 */
import t from 'tap';
import { execa } from 'execa';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers.ts';

const copy = mkdtempSync(join(tmpdir(), 'bootlab-compiled-'));
t.teardown(() => rmSync(copy, { recursive: true, force: true }));
for (const part of ['bin', 'harness', 'configs', 'package.json', 'tsconfig.json']) cpSync(join(REPO, part), join(copy, part), { recursive: true });
symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'));

const help = () => execa('node', [join(copy, 'bin', 'bootlab.js'), '--help'], { reject: false });
const entry = (): string => (JSON.parse(readFileSync(join(copy, 'dist', 'manifest.json'), 'utf8')) as { entry: string }).entry;

t.test('the first start compiles; later starts run the same build', async (t) => {
  const first = await help();
  t.equal(first.exitCode, 0, first.stderr);
  t.match(first.stdout, /^usage: bootlab <command>/);
  const built = entry();
  t.match(built, /^build-\d+-\d+\/main\.js$/);
  t.equal((await help()).exitCode, 0);
  t.equal(entry(), built, 'nothing changed: not compiled again');
});

t.test('an edited source is compiled before it runs: the output never comes from stale code', async (t) => {
  const before = entry();
  const file = join(copy, 'harness', 'cli', 'commands.ts');
  const nonce = `edited ${process.pid}-${Date.now()}`;
  writeFileSync(file, readFileSync(file, 'utf8').replace("summary: 'build kernels for the given arches", `summary: '${nonce}: build kernels for the given arches`));
  const r = await help();
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, nonce, 'the edit shows');
  t.not(entry(), before, 'a new build');
});
