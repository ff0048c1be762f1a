/**
 * Every QEMU bootlab starts is isolated the same way: the boot itself, the device-tree dump
 * of a profile with reserved-memory pools, and the first-fault replay of a guest stuck in an
 * exception vector. Real QEMU, run through a wrapper on PATH that records its command line.
 */
import t from 'tap';
import { execa } from 'execa';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../harness/results/model.ts';
import { BIN, booted, REPO } from '../helpers.ts';

const work = mkdtempSync(join(tmpdir(), 'bootlab-isolation-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

t.test('the boot, the device-tree dump and the first-fault replay all run with -sandbox on and -nic none, and nothing else reaches the host', async (t) => {
  const real = (await execa('sh', ['-c', 'command -v qemu-system-arm'])).stdout.trim();
  const log = join(work, 'qemu-argv.log');
  const wrapper = join(work, 'qemu-system-arm');
  // exec keeps the pid, so bootlab still kills the real QEMU's process group.
  writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const out = join(work, 'run');
  const r = await execa('node', [BIN, 'boot', '--arch', 'arm', '--series', 'cma-dynamic-areas', '--profile', 'dt-pools-overlimit', '--inactivity', '10', '--json', '--out', out], {
    cwd: REPO,
    reject: false,
    env: { PATH: `${work}:${process.env.PATH}` },
  });
  t.equal(r.exitCode, 1, r.stderr);
  const patched = booted((JSON.parse(r.stdout) as RunSummary).jobs.find((j) => j.variant === 'cma-dynamic-areas')!);
  t.ok(patched.forensics?.firstFault, 'the patched arm kernel was replayed to name its first fault');

  const started = readFileSync(log, 'utf8').trim().split('\n');
  const kinds = {
    boot: started.filter((l) => /-monitor unix:/.test(l)),
    'device-tree dump': started.filter((l) => /dumpdtb=/.test(l)),
    'first-fault replay': started.filter((l) => / -d int /.test(l)),
  };
  for (const [kind, lines] of Object.entries(kinds)) {
    t.ok(lines.length > 0, `a ${kind} was started`);
    for (const l of lines) {
      t.match(l, /(^| )-sandbox on( |$)/, `${kind}: -sandbox on`);
      t.match(l, /(^| )-nic none( |$)/, `${kind}: -nic none`);
      t.notMatch(l, /-netdev|-virtfs|-fsdev|-drive|-hda|virtio-9p|-device|-chardev socket,.*host=/, `${kind}: no devices, disks or shares`);
    }
  }
  const others = started.filter((l) => !Object.values(kinds).flat().includes(l));
  t.same(others.filter((l) => !/(^| )--?version$/.test(l)), [], 'every other QEMU started only told its version (the tool record and the -sandbox probe)');
});
