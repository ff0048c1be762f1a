import t from 'tap';
import { batchCommands, gdbCommandLine, gdbSession } from '../../harness/boot/gdb.ts';

t.test('the gdb command a person types names vmlinux, the stub\'s socket and the source tree two directories up', async (t) => {
  t.equal(gdbCommandLine(gdbSession('/c/variants/v/bootlab-arm64-x/vmlinux')), "gdb-multiarch -q /c/variants/v/bootlab-arm64-x/vmlinux -ex 'target remote gdb.sock' -ex 'directory /c/variants/v'");
  t.equal(gdbCommandLine(gdbSession(undefined)), "gdb-multiarch -q -ex 'target remote gdb.sock'", 'a prebuilt image without vmlinux: attach without symbols');
});

t.test('unattended gdb stops at the function, prints the stack and pc, and detaches so the boot goes on', async (t) => {
  t.same(batchCommands({ break: 'cma_init_reserved_mem' }), ['set pagination off', 'set confirm off', 'break cma_init_reserved_mem', 'continue', 'bt', 'info registers pc', 'detach']);
  t.same(batchCommands({ script: '/w/cmds.gdb' }), ['set pagination off', 'set confirm off', 'source /w/cmds.gdb', 'detach']);
});
