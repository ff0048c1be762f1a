import t from 'tap';
import { parseCrashes } from '../../harness/crash/parse.ts';
import { formatCrashText, formatGroups, groupByTitle, ownSourceLine } from '../../harness/crash/report.ts';
import type { CrashReport, StackFrame } from '../../harness/crash/types.ts';
import { fixtureLog } from './fixture-log.ts';

const [cma] = parseCrashes(fixtureLog('arm64-cma-paging-request.log')) as [CrashReport];

/** The CMA oops as symbolize.ts leaves it: memblock_alloc_try_nid's return address is in code inlined from memblock_alloc_internal. */
const symbolized: CrashReport = {
  ...cma,
  pc: { ...cma.pc, source: { function: '__memset', file: 'arch/arm64/lib/memset.S', line: 172, inlined: [] } },
  frames: cma.frames.map((f): StackFrame => {
    if (f.function === 'memblock_alloc_try_nid') {
      return {
        ...f,
        source: {
          function: 'memblock_alloc_internal',
          file: 'mm/memblock.c',
          line: 1520,
          inlined: [{ function: 'memblock_alloc_try_nid', file: 'mm/memblock.c', line: 1617 }],
        },
      };
    }
    if (f.function === 'cma_init_reserved_mem') return { ...f, source: { function: 'cma_init_reserved_mem', file: 'mm/cma.c', line: 229, inlined: [] } };
    return f;
  }),
};

t.test('the text block names the guilty frame with its source line and lays the trace out as syzkaller does', async (t) => {
  const text = formatCrashText(symbolized).split('\n');
  t.equal(text[0], 'BUG: unable to handle kernel paging request in cma_init_reserved_mem');
  t.ok(text.includes('  guilty frame:  cma_init_reserved_mem at mm/cma.c:229'));
  t.ok(text.includes('  pc:            __memset+0x16c/0x188 at arch/arm64/lib/memset.S:172'));
  t.ok(text.includes('  task:          CPU 0, PID 0 (swapper), not tainted, kernel 6.1.0'));
  const trace = text.slice(text.indexOf('Call trace:') + 1, text.indexOf('Registers:'));
  t.same(trace.slice(0, 4), [
    '  __memset+0x16c/0x188',
    '  memblock_alloc_internal           mm/memblock.c:1520 [inline]',
    '  memblock_alloc_try_nid+0xcc/0xe0  mm/memblock.c:1617',
    '  cma_init_reserved_mem+0x98/0x154  mm/cma.c:229',
  ]);
  t.equal(trace.length, 11, 'ten frames plus the inlined one');
  t.ok(text.includes('  x3     0000000000000004  x2     0000000000000fc0  x1     0000000000000000  x0     ffff00007fe00000'), 'registers four to a row');
  t.equal(text.at(-1), '  [    0.000000] ---[ end Kernel panic - not syncing: Attempted to kill the idle task! ]---', 'the raw excerpt closes the block');
});

t.test('a report never symbolized still names its guilty frame as the kernel printed it', async (t) => {
  const text = formatCrashText(cma);
  t.match(text, /^ {2}guilty frame: {2}cma_init_reserved_mem\+0x98\/0x154$/m);
  t.match(text, /^ {2}cma_init_reserved_mem\+0x98\/0x154$/m);
});

t.test('the line in the printed function itself is the last inlined caller, or the line at the address', async (t) => {
  t.same(ownSourceLine(symbolized.frames[1]!), { file: 'mm/memblock.c', line: 1617 });
  t.same(ownSourceLine(symbolized.frames[2]!), { file: 'mm/cma.c', line: 229 });
  t.equal(ownSourceLine(symbolized.frames[0]!), undefined);
});

t.test('the same crash on several jobs is one group that lists each job once', async (t) => {
  const [stall] = parseCrashes(fixtureLog('arm64-rcu-stall.log')) as [CrashReport];
  const groups = groupByTitle([
    { job: 'arm64/baseline', report: stall },
    { job: 'arm64/cma', report: cma },
    { job: 'arm64/cma-numa', report: cma },
    { job: 'arm64/cma', report: cma },
  ]);
  t.same(
    groups.map((g) => [g.title, g.jobs, g.count]),
    [
      ['BUG: unable to handle kernel paging request in cma_init_reserved_mem', ['arm64/cma', 'arm64/cma-numa'], 3],
      [stall.title, ['arm64/baseline'], 1],
    ],
  );
  t.equal(
    formatGroups(groups),
    [
      'BUG: unable to handle kernel paging request in cma_init_reserved_mem',
      '  seen on 2 jobs: arm64/cma, arm64/cma-numa (3 reports)',
      stall.title,
      '  seen on 1 job: arm64/baseline',
    ].join('\n'),
  );
});
