import t from 'tap';
import { parseGuestReport, reportPayload } from '../../harness/boot/guest-report.ts';

t.test('report lines are found anywhere in a line and rejected when their length check fails', async (t) => {
  t.equal(reportPayload('[    1.0] foo @@bootlab pagesize 4096 ~13'), 'pagesize 4096');
  t.equal(reportPayload('@@bootlab pagesize 40[  1.2] random: crng init done96 ~13'), null);
  t.equal(reportPayload('Booting Linux'), undefined);
});

/** A report line as images/init.c prints it. */
const line = (payload: string): string => `@@bootlab ${payload} ~${payload.length}`;

t.test('a whole report parses into areas, allocation results, meminfo and nodes', async (t) => {
  const log = [
    'Linux version 6.1.192',
    line('begin v1'),
    line('cmdline console=ttyAMA0 cma=64M'),
    line('pagesize 4096'),
    line('cma reserved base_pfn=765440 count=16384 order_per_bit=0 used=192 maxchunk=16192'),
    line('cma hugetlb1 base_pfn=1048576 count=0 order_per_bit=0 used=0 maxchunk=0'),
    line('alloc reserved ok used=192->193->192'),
    line('alloc hugetlb1 fail alloc-errno=12'),
    line('meminfo CmaTotal=65536 CmaFree=64764'),
    line('node 0 start_pfn=262144 end_pfn=524288'),
    line('node 1 start_pfn=524288 end_pfn=786432'),
    line('end v1'),
  ].join('\r\n');
  const r = parseGuestReport(log);
  t.same(r, {
    version: 1,
    complete: true,
    cmdline: 'console=ttyAMA0 cma=64M',
    pageSize: 4096,
    areas: [
      { name: 'reserved', basePfn: 765440, count: 16384, orderPerBit: 0, used: 192, maxchunk: 16192 },
      { name: 'hugetlb1', basePfn: 1048576, count: 0, orderPerBit: 0, used: 0, maxchunk: 0 },
    ],
    alloc: { reserved: { ok: true, detail: 'used=192->193->192' }, hugetlb1: { ok: false, detail: 'alloc-errno=12' } },
    cmaTotalKiB: 65536,
    cmaFreeKiB: 64764,
    nodes: [
      { id: 0, startPfn: 262144, endPfn: 524288 },
      { id: 1, startPfn: 524288, endPfn: 786432 },
    ],
    mangled: 0,
  });
});

t.test('a report cut off before its end line is not complete', async (t) => {
  t.equal(parseGuestReport('@@bootlab begin v1 ~8\n@@bootlab pagesize 4096 ~13\n').complete, false);
});
