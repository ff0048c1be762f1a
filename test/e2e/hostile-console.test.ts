/**
 * A hostile console: 100 MiB of random bytes, a 10 MiB line without a newline, escape
 * sequences, NULs, invalid UTF-8. Played back by a fake QEMU on PATH (real QEMU cannot be
 * made to print this on demand); bootlab must stream it to disk with bounded memory and
 * never throw.
 */
import t from 'tap';
import { execa } from 'execa';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../harness/results/model.ts';
import { BIN, booted, FIXTURES, REPO } from '../helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'bootlab-hostile-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));

t.test('100 MiB of hostile console output is kept on disk, memory stays bounded, nothing throws', async (t) => {
  const kernel = join(out, 'Image');
  writeFileSync(kernel, 'not a kernel: the fake QEMU never reads it');
  // A 192 MiB heap cannot hold the console: the test fails with an out-of-memory crash if
  // bootlab buffers it instead of streaming it.
  const r = await execa('node', ['--max-old-space-size=192', BIN, 'boot', '--arch', 'arm64', '--kernel', kernel, '--profile', 'default', '--json', '--out', out], {
    cwd: REPO,
    reject: false,
    env: { PATH: `${join(FIXTURES, 'fake-qemu')}:${process.env.PATH}` },
  });
  t.notMatch(r.stderr, /at .*\.ts:\d+|heap out of memory/i, 'no stack trace, no OOM');
  t.equal(r.exitCode, 3, `a guest that prints garbage and exits without a report is an infra-error: ${r.stderr.slice(0, 500)}`);
  const result = booted((JSON.parse(r.stdout) as RunSummary).jobs[0]!);
  t.equal(result.verdict, 'infra-error');
  t.match(result.reason, /without a report/);
  t.same(result.boots.map((b) => b.verdict), ['infra-error', 'infra-error'], 'an infra-error is retried once, as in every run');
  t.ok(statSync(join(out, result.files.console)).size >= 110 * 2 ** 20, 'every byte is in console.log');
});
