import t from 'tap';
import { parseSymbolMap, symbolAddress, symbolAt, symbolValue } from '../../harness/crash/symbols.ts';

const ARM64_MAP = [
  'ffffffc008010000 T _text',
  'ffffffc008010000 t $x',
  'ffffffc008010100 T cma_init_reserved_mem',
  'ffffffc008010200 t helper',
  'ffffffc0080102c0 t helper',
  'ffffffc008010300 T next_fn',
  'ffffffc008476648 b __log_buf',
  '',
].join('\n');

t.test('an address becomes symbol+offset; one outside the kernel text becomes nothing', async (t) => {
  const table = parseSymbolMap(ARM64_MAP, 8);
  t.equal(symbolAt(table, 'ffffffc008010168'), 'cma_init_reserved_mem+0x68');
  t.equal(symbolAt(table, '0000000000000010'), undefined, 'below the first symbol');
  t.equal(symbolAt(table, 'ffffffc009010300'), undefined, 'a megabyte past the last text symbol');
  t.equal(symbolAt(table, undefined), undefined);
});

t.test('only text symbols are kept, without ARM mapping symbols', async (t) => {
  const table = parseSymbolMap(ARM64_MAP, 8);
  t.same(table.names, ['_text', 'cma_init_reserved_mem', 'helper', 'helper', 'next_fn']);
});

t.test("mips' sign-extended System.map matches the 32-bit addresses its kernel prints", async (t) => {
  const map = 'ffffffff80100000 T _text\nffffffff80102900 T r4k_wait_irqoff\nffffffff80712340 B __log_buf\n';
  const mips = parseSymbolMap(map, 4);
  t.equal(symbolAt(mips, '801029c0'), 'r4k_wait_irqoff+0xc0', 'a pc read from the monitor');
  t.equal(symbolAddress(mips, 'r4k_wait_irqoff'), 0x80102900n, 'a function of a crash report, for addr2line on the 32-bit vmlinux');
  t.equal(symbolValue(map, '__log_buf', 4), 0x80712340n, 'a data symbol, for memsave');
});

t.test('same-named static functions are told apart by the size the kernel printed', async (t) => {
  const table = parseSymbolMap(ARM64_MAP, 8);
  t.equal(symbolAddress(table, 'helper'), 0xffffffc008010200n, 'without a size: the first');
  t.equal(symbolAddress(table, 'helper', 0x40), 0xffffffc0080102c0n, 'the one 0x40 bytes long');
  t.equal(symbolAddress(table, 'no_such_fn'), undefined);
});
