import t from 'tap';
import { cpuRanges, kernelCmdline, qemuArgv, qemuCommand } from '../../harness/boot/qemu.ts';
import { findProfile, loadProfiles, machineConfig } from '../../harness/boot/profile.ts';

const profiles = loadProfiles();

t.test('CPU lists become QEMU ranges', async (t) => {
  t.same(cpuRanges([0, 1, 2, 5, 7, 8]), ['0-2', '5', '7-8']);
  t.same(cpuRanges([3]), ['3']);
});

t.test('the arm64 NUMA command line has one memory backend and node per NUMA node, and distances', async (t) => {
  const m = machineConfig('arm64', findProfile('numa2', profiles));
  const { file, args } = qemuArgv({ machine: m, kernel: '/k/Image', initrd: '/i.cpio', name: 'bootlab-x' }, { sandbox: false });
  t.equal(file, 'qemu-system-aarch64');
  t.same(args, [
    '-name', 'bootlab-x', '-M', 'virt', '-cpu', 'cortex-a57', '-smp', '2', '-m', '2048M',
    '-nographic', '-no-reboot', '-nic', 'none', '-monitor', 'none',
    '-kernel', '/k/Image', '-initrd', '/i.cpio',
    '-append', 'console=ttyAMA0 earlycon=pl011,0x9000000 panic=-1 cma=64M',
    '-object', 'memory-backend-ram,id=mem0,size=1024M', '-numa', 'node,nodeid=0,memdev=mem0,cpus=0',
    '-object', 'memory-backend-ram,id=mem1,size=1024M', '-numa', 'node,nodeid=1,memdev=mem1,cpus=1',
    '-numa', 'dist,src=0,dst=1,val=20',
  ]);
});

t.test('no guest gets a network or host file access, whatever the arch or profile', async (t) => {
  for (const arch of ['arm64', 'arm', 'mips'] as const) {
    for (const p of profiles.values()) {
      if (p.arches && !p.arches.includes(arch)) continue;
      const line = qemuArgv({ machine: machineConfig(arch, p), kernel: 'k', initrd: 'i', name: 'n' }, { sandbox: false }).args.join(' ');
      t.match(line, /-nic none/, `${arch}/${p.name}: -nic none`);
      t.notMatch(line, /-netdev|-virtfs|-fsdev|-drive|-hda|virtio-9p|-device/, `${arch}/${p.name}: no devices, disks or shares`);
    }
  }
  const malta = qemuArgv({ machine: machineConfig('mips', findProfile('default', profiles)), kernel: 'k', initrd: 'i', name: 'n' }, { sandbox: false }).args.join(' ');
  t.match(malta, /-vga none/);
  t.match(malta, /-rtc clock=vm -icount shift=8( |$)/, 'malta calibrates against an RTC on the virtual clock');
});

t.test("Debian's QEMU binaries support seccomp, so every command line bootlab starts them with has -sandbox on", async (t) => {
  for (const arch of ['arm64', 'arm', 'mips'] as const) {
    const machine = machineConfig(arch, findProfile('default', profiles));
    const boot = await qemuCommand({ machine, kernel: 'k', initrd: 'i', name: 'n', monitorSocket: '/tmp/m.sock' });
    const replay = await qemuCommand({ machine, kernel: 'k', initrd: 'i', name: 'n', exceptionLog: '/tmp/e.log' });
    for (const { args } of [boot, replay]) t.match(args.join(' '), /-sandbox on .*-nic none|-nic none .*-sandbox on/, `${arch}: ${args.slice(0, 3).join(' ')} ...`);
  }
});

t.test('earlycon can be turned off by the profile', async (t) => {
  t.equal(kernelCmdline(machineConfig('arm64', findProfile('numa2-noearlycon', profiles))), 'console=ttyAMA0 panic=-1 cma=64M');
  t.equal(kernelCmdline(machineConfig('mips', findProfile('default', profiles))), 'console=ttyS0 earlycon=uart8250,io,0x3f8 panic=-1 cma=8M');
});
