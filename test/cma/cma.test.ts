import t from 'tap';
import { checkCma, formatCmaCheck, kernelCmaLines } from '../../harness/cma/check.ts';
import { expectCma, memparse } from '../../harness/cma/expect.ts';
import type { GuestReport } from '../../harness/boot/guest-report.ts';
import type { MachineConfig } from '../../harness/boot/profile.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const numa = (n: number, memoryMiB: number) => ({ nodes: [...Array(n).keys()].map((i) => ({ memoryMiB, cpus: [i] })) });
const machine = (cmdline: string[], extra: Partial<MachineConfig> = {}): MachineConfig => ({ arch: 'arm64', profile: 'p', memoryMiB: 1024, smp: 1, earlycon: true, cmdline, ...extra });

t.test('memparse reads sizes as the kernel does', async (t) => {
  t.equal(memparse('64M'), 64 * MiB);
  t.equal(memparse('2G'), 2 * GiB);
  t.equal(memparse('0x1000'), 4096);
  t.equal(memparse('16m@0-0x40000000'), 16 * MiB);
  t.equal(memparse('x'), undefined);
});

t.test('cma= makes one "reserved" area anywhere', async (t) => {
  t.same(expectCma(machine(['cma=64M'])), { areas: [{ name: 'reserved', bytes: 64 * MiB, origin: 'cma=64M' }], cmaTotalBytes: 64 * MiB, notes: [] });
});

t.test('hugetlb_cma= is split over online nodes in gigantic pages, last one taking the rest', async (t) => {
  const e = expectCma(machine(['hugetlb_cma=3G'], { smp: 4, numa: numa(4, 2048) }));
  t.same(e.areas.map((a) => [a.name, a.bytes / GiB, a.node]), [['hugetlb0', 1, 0], ['hugetlb1', 1, 1], ['hugetlb2', 1, 2]], '3 GiB over 4 nodes: 1 GiB on the first three');
  const two = expectCma(machine(['hugetlb_cma=2G', 'cma=64M'], { smp: 2, numa: numa(2, 2048) }));
  t.same(two.areas.map((a) => [a.name, a.bytes / MiB]), [['hugetlb0', 1024], ['hugetlb1', 1024], ['reserved', 64]]);
  t.equal(two.cmaTotalBytes, 2 * GiB + 64 * MiB);
  const node = expectCma(machine(['hugetlb_cma=1:1G'], { smp: 2, numa: numa(2, 2048) }));
  t.same(node.areas.map((a) => [a.name, a.node]), [['hugetlb1', 1]], 'node-specific form');
});

t.test('hugetlb_cma= below the gigantic page or on an arch without it makes no area, with a note', async (t) => {
  const small = expectCma(machine(['hugetlb_cma=512M']));
  t.same(small.areas, []);
  t.match(small.notes[0], /below the 1024 MiB gigantic-page minimum/);
  const arm = expectCma({ ...machine(['hugetlb_cma=1G', 'cma=32M']), arch: 'arm' });
  t.same(arm.areas.map((a) => a.name), ['reserved']);
  t.match(arm.notes[0], /not supported on arm/);
});

t.test('cma_pernuma= makes one area per node, on that node', async (t) => {
  const e = expectCma(machine(['cma=64M', 'cma_pernuma=16M'], { smp: 8, numa: numa(8, 512) }));
  t.equal(e.areas.length, 9);
  t.same(e.areas.slice(0, 2).map((a) => [a.name, a.bytes / MiB, a.node]), [['pernuma0', 16, 0], ['pernuma1', 16, 1]]);
});

const page = 4096;
function report(areas: [string, number, number][], extra: Partial<GuestReport> = {}): GuestReport {
  return {
    version: 1,
    complete: true,
    pageSize: page,
    areas: areas.map(([name, basePfn, bytes]) => ({ name, basePfn, count: bytes / page, orderPerBit: 0, used: 0, maxchunk: bytes / page })),
    alloc: {},
    cmaTotalKiB: areas.reduce((n, [, , b]) => n + b, 0) / 1024,
    nodes: [{ id: 0, startPfn: 0x40000, endPfn: 0x80000 }, { id: 1, startPfn: 0x80000, endPfn: 0xc0000 }],
    mangled: 0,
    ...extra,
  };
}

t.test('a boot that made exactly the expected areas checks ok', async (t) => {
  const e = expectCma(machine(['cma=64M', 'cma_pernuma=16M'], { smp: 2, numa: numa(2, 1024) }));
  const c = checkCma(e, report([['pernuma0', 0x50000, 16 * MiB], ['pernuma1', 0x90000, 16 * MiB], ['reserved', 0xbae00, 64 * MiB]]), ['cma: Reserved 64 MiB at 0x00000000bae00000']);
  t.equal(c.ok, true, formatCmaCheck(c));
  t.same(c.kernel.reserved, [{ mib: 64, base: '0x00000000bae00000' }]);
});

t.test('every kind of mismatch is reported on its own row', async (t) => {
  const e = expectCma(machine(['cma=64M', 'cma_pernuma=16M', 'hugetlb_cma=2G'], { smp: 2, numa: numa(2, 2048) }));
  const r = report(
    [
      ['pernuma0', 0x90000, 16 * MiB], // on node 1
      ['pernuma1', 0x90000, 8 * MiB], // wrong size
      ['hugetlb0', 0x50000, 0], // count 0
      ['reserved', 0xbae00, 64 * MiB],
      ['cma0', 0x60000, 4 * MiB], // nobody asked
    ],
    { alloc: { reserved: { ok: false, detail: 'alloc-errno=12' } } },
  );
  const c = checkCma(e, r, ['cma: Not enough slots for CMA reserved regions!', 'CMA area hugetlb0 could not be activated']);
  t.equal(c.ok, false);
  t.same(Object.fromEntries(c.rows.map((row) => [row.area, row.status])), {
    pernuma0: 'wrong-node',
    pernuma1: 'wrong-size',
    hugetlb0: 'not-activated',
    hugetlb1: 'missing',
    reserved: 'alloc-failed',
    cma0: 'extra',
  });
  t.match(c.problems.join('\n'), /"Not enough slots for CMA reserved regions!" ×1/);
  t.match(c.problems.join('\n'), /CmaTotal is 92 MiB, expected 2144 MiB/);
  t.match(formatCmaCheck(c), /hugetlb1\s+1024 MiB n1\s+-\s+missing/);
});

t.test('the kernel\'s own CMA lines are collected from the console', async (t) => {
  const k = kernelCmaLines(['[0.0] cma: Reserved 32 MiB at 0x0000000000800000', 'cma: Failed to reserve 16 MiB', 'CMA area reserved could not be activated']);
  t.same(k, { reserved: [{ mib: 32, base: '0x0000000000800000' }], slotErrors: 0, notActivated: ['reserved'], failedToReserve: [16] });
});
