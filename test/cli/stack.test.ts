import t from 'tap';
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error bin/ is plain JavaScript, without a declaration file
import { sourceStack } from '../../bin/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'bootlab-stack-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('a bug\'s stack names the TypeScript file and line of each compiled frame, read from the chunk\'s map only then', async (t) => {
  const source = join(dir, 'harness', 'faulty.ts');
  await import('node:fs').then((fs) => fs.mkdirSync(join(dir, 'harness')));
  writeFileSync(source, "export function faulty(n: number): number {\n  if (n > 0) throw new Error('a bug');\n  return n;\n}\n");
  await build({ entryPoints: [source], outdir: join(dir, 'dist', 'build-1-1'), bundle: true, format: 'esm', platform: 'node', sourcemap: 'linked', logLevel: 'error' });
  const { faulty } = (await import(pathToFileURL(join(dir, 'dist', 'build-1-1', 'faulty.js')).href)) as { faulty: (n: number) => number };
  let error: unknown;
  try {
    faulty(1);
  } catch (e) {
    error = e;
  }
  const stack = sourceStack(error) as string;
  t.match(stack, /^Error: a bug\n/);
  t.match(stack, /at faulty \(\S*harness\/faulty\.ts:2:\d+\)/, 'the frame is the TypeScript line');
  t.notMatch(stack, /dist\/build-1-1\/faulty\.js/, 'no compiled frame is left where a map exists');
  t.equal(sourceStack('not an error'), 'not an error');
});
