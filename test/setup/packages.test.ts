import t from 'tap';
import { ARCH_NAMES, ARCHES } from '../../harness/arch.ts';
import { PACKAGE_NAMES, programs } from '../../harness/setup/packages.ts';

t.test('every program a stage checks for comes from a package setup installs', async (t) => {
  const all = programs('make', 'gcc', 'ccache', 'bison', 'flex', 'bc', 'patch', 'dtc', 'git', 'tar', 'xz', ...ARCH_NAMES.flatMap((a) => [ARCHES[a].machine.qemu, `${ARCHES[a].crossCompile}gcc`, `${ARCHES[a].crossCompile}addr2line`]));
  for (const [program, pkg] of Object.entries(all)) t.ok(PACKAGE_NAMES.includes(pkg), `${program} from ${pkg}`);
  t.same(programs('qemu-system-mips', 'aarch64-linux-gnu-addr2line'), { 'qemu-system-mips': 'qemu-system-mips', 'aarch64-linux-gnu-addr2line': 'gcc-aarch64-linux-gnu' });
});

t.test('a program no table names is a bug in bootlab, not a user error', async (t) => {
  t.throws(() => programs('frobnicate'), { name: 'Error', message: /bootlab runs frobnicate but setup\/packages\.ts does not say which package has it/ });
});
