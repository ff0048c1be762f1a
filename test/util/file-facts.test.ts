import t from 'tap';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileFact } from '../../harness/util/file-facts.ts';

const dir = mkdtempSync(join(tmpdir(), 'bootlab-facts-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('a fact is learnt once, remembered in a cache that did not exist yet, and learnt again when the file changes', async (t) => {
  const cache = join(dir, 'new-cache');
  const saved = process.env.BOOTLAB_CACHE;
  process.env.BOOTLAB_CACHE = cache;
  t.teardown(() => (saved === undefined ? delete process.env.BOOTLAB_CACHE : (process.env.BOOTLAB_CACHE = saved)));
  const file = join(dir, 'tool');
  writeFileSync(file, 'v1');
  let asked = 0;
  const learn = async (): Promise<string> => `answer ${++asked}`;
  t.equal(await fileFact(file, 'f', learn), 'answer 1');
  t.ok(existsSync(join(cache, 'file-facts.json')), 'the cache directory is made');
  t.equal(await fileFact(file, 'f', learn), 'answer 1', 'remembered');
  writeFileSync(file, 'v2, longer');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  t.equal(await fileFact(file, 'f', learn), 'answer 2', 'a replaced file is asked again');
  t.equal(await fileFact(file, 'g', async () => undefined), undefined, 'what could not be told');
  t.equal(await fileFact(file, 'g', async () => 'now'), 'now', 'is not remembered');
});
