import t from 'tap';
import { nextStep, record, startSearch, type SearchState, type StepOutcome } from '../../harness/bisect/search.ts';

/** Run a whole search against an oracle; returns the result and the positions tested. */
function bisect(n: number, oracle: (p: number) => StepOutcome): { result: ReturnType<typeof nextStep>; tested: number[] } {
  let state: SearchState = startSearch(n);
  const tested: number[] = [];
  for (;;) {
    const r = nextStep(state);
    if (r.done) return { result: r, tested };
    tested.push(r.next);
    state = record(state, r.next, oracle(r.next));
  }
}

t.test('finds the first bad position of every series length within ceil(log2 n) steps', async (t) => {
  for (let n = 1; n <= 40; n++) {
    for (let first = 1; first <= n; first++) {
      const { result, tested } = bisect(n, (p) => (p >= first ? 'bad' : 'good'));
      if (!result.done || !('first' in result) || result.first !== first) t.fail(`n=${n} first=${first}: ${JSON.stringify(result)}`);
      if (tested.length > Math.ceil(Math.log2(n))) t.fail(`n=${n} first=${first}: ${tested.length} steps`);
    }
  }
  t.pass('820 searches');
});

t.test('skipped positions are stepped around, and named when they hide the answer', async (t) => {
  const around = bisect(8, (p) => (p === 4 ? 'skip' : p >= 6 ? 'bad' : 'good'));
  t.same(around.result, { done: true, first: 6 });
  t.ok(around.tested.includes(4) && around.tested.includes(5), 'the skipped middle was replaced by its neighbour');
  const hidden = bisect(4, (p) => (p === 2 || p === 3 ? 'skip' : p >= 3 ? 'bad' : 'good'));
  t.same(hidden.result, { done: true, candidates: [2, 3, 4] }, 'inconclusive: every candidate listed, the bad end included');
});

t.test('a step outside the open interval is a bug', async (t) => {
  t.throws(() => record(startSearch(4), 0, 'good'));
  t.throws(() => record(startSearch(4), 4, 'bad'));
  t.throws(() => startSearch(0));
});
