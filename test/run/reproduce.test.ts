import t from 'tap';
import { execa } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reproducerScript, type ReproducerInputs } from '../../harness/run/reproduce.ts';
import { sha256Of } from '../../harness/util/hash.ts';

const dir = mkdtempSync(join(tmpdir(), 'bootlab-reproduce-unit-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const jobDir = join(dir, 'run', 'jobs', 'arm64-x-numa2');
mkdirSync(jobDir, { recursive: true });
const file = (name: string, content: string): { path: string; sha256: string } => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return { path, sha256: sha256Of(Buffer.from(content)) };
};
const image = file("Image with 'quotes'", 'kernel bytes');
const initrd = file('initramfs.cpio', 'initramfs bytes');
const dtb = { path: join(jobDir, 'pools.dtb'), sha256: sha256Of(Buffer.from('dtb')) };
writeFileSync(dtb.path, 'dtb');

const inputs: ReproducerInputs = {
  provenance: {
    job: 'arm64-x-numa2',
    run: {
      runId: '20261203T212630Z',
      matrix: 'repro-arm64-numa-panic',
      bootlab: { version: '0.1.0', commit: 'a'.repeat(40) },
      kernel: { version: '6.1.192', origin: '/usr/src/linux-source-6.1.tar.xz', sourceHash: 'c'.repeat(64) },
      series: [{ name: 'x', hash: 'd'.repeat(64), patches: [{ file: '0001-x.patch', sha256: 'e'.repeat(64) }] }],
      tools: { node: 'v20', 'qemu-system-aarch64': 'QEMU emulator version 7.2.22' },
    },
  } as ReproducerInputs['provenance'],
  argv: ['qemu-system-aarch64', '-name', 'bootlab-arm64-x-numa2', '-monitor', 'unix:/tmp/bootlab-1-1.mon,server=on,wait=off', '-kernel', image.path, '-initrd', initrd.path, '-dtb', dtb.path, '-append', 'console=ttyAMA0 panic=-1 cma=64M'],
  jobDir,
  kernel: { ...image, vmlinux: join(dir, 'tree', 'build', 'vmlinux'), config: join(dir, 'tree', 'build', '.config'), rebuild: 'bootlab build --arch arm64 --series x' },
  initrd,
  dtb,
};

/** The script with a stand-in QEMU on PATH that prints each argument on its own line. */
async function runScript(script: string, args: string[] = []): Promise<{ exitCode?: number; stdout: string; stderr: string }> {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'qemu-system-aarch64'), '#!/bin/sh\nprintf "cwd %s\\n" "$(pwd)"\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
  chmodSync(join(bin, 'qemu-system-aarch64'), 0o755);
  const path = join(jobDir, 'reproduce.sh');
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  const r = await execa(path, args, { reject: false, env: { PATH: `${bin}:/usr/bin:/bin` }, extendEnv: false, cwd: dir });
  return { ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}), stdout: r.stdout, stderr: r.stderr };
}

t.test('the header says where the boot came from: bootlab commit, kernel source, series with patch hashes, config, tools, rebuild', async (t) => {
  const s = reproducerScript(inputs);
  t.match(s, /^#!\/bin\/sh\n/);
  t.match(s, `# bootlab    0.1.0 (commit ${'a'.repeat(40)})`);
  t.match(s, `# kernel     Linux 6.1.192 from /usr/src/linux-source-6.1.tar.xz (source ${'c'.repeat(12)})`);
  t.match(s, `#     0001-x.patch sha256 ${'e'.repeat(64)}`);
  t.match(s, `# config     ${join(dir, 'tree', 'build', '.config')}`);
  t.match(s, '#   qemu-system-aarch64: QEMU emulator version 7.2.22');
  t.notMatch(s, /#   node:/, 'node is not needed to reproduce');
  t.match(s, '# rebuild    bootlab build --arch arm64 --series x');
});

t.test('the script runs the recorded command line word for word, in its own directory, with its own monitor socket', async (t) => {
  const r = await runScript(reproducerScript(inputs));
  t.equal(r.exitCode, 0, r.stderr);
  const [cwd, ...argv] = r.stdout.split('\n');
  t.equal(cwd, `cwd ${jobDir}`);
  const expected = inputs.argv.slice(1).map((a) => (a.startsWith('unix:') ? 'unix:monitor.sock,server=on,wait=off' : a));
  t.same(argv, expected, 'quotes and spaces survive; only bootlab\'s temporary monitor socket is replaced');
});

t.test('the job directory moves with the script: its files are found beside it', async (t) => {
  const s = reproducerScript(inputs);
  t.match(s, /check "\$here"\/pools\.dtb /);
  t.notMatch(s, new RegExp(`${jobDir}/`), 'no absolute path into the job directory');
});

t.test('--gdb starts the same machine paused, with the stub on gdb.sock and KASLR off, and prints the gdb command', async (t) => {
  const r = await runScript(reproducerScript(inputs), ['--gdb']);
  t.equal(r.exitCode, 0, r.stderr);
  const argv = r.stdout.split('\n').slice(1);
  t.same(argv.slice(-3), ['-S', '-gdb', 'unix:gdb.sock,server=on,wait=off']);
  t.equal(argv[argv.indexOf('-append') + 1], 'console=ttyAMA0 panic=-1 cma=64M nokaslr');
  t.match(r.stderr, `cd "${jobDir}" && gdb-multiarch -q ${join(dir, 'tree', 'build', 'vmlinux')} -ex 'target remote gdb.sock' -ex 'directory ${join(dir, 'tree')}'`);
  t.equal((await runScript(reproducerScript(inputs), ['--bogus'])).exitCode, 2, 'an unknown option is refused');
});

t.test('a changed or missing file stops the script before QEMU, naming the file and the rebuild command', async (t) => {
  writeFileSync(initrd.path, 'other bytes');
  const changed = await runScript(reproducerScript(inputs));
  t.equal(changed.exitCode, 2);
  t.equal(changed.stdout, '', 'QEMU did not start');
  t.match(changed.stderr, `reproduce.sh: ${initrd.path} is not the file bootlab booted (its sha256 is ${sha256Of(Buffer.from('other bytes'))}, it was ${initrd.sha256}). Build it again: bootlab build --arch arm64 --series x`);
  rmSync(initrd.path);
  const gone = await runScript(reproducerScript(inputs));
  t.equal(gone.exitCode, 2);
  t.match(gone.stderr, `reproduce.sh: ${initrd.path} is gone. Build it again: bootlab build --arch arm64 --series x`);
});
