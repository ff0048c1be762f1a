/**
 * The search of a bisection, apart from what a step costs: positions 0..n, where 0 is known
 * good (the tree without the series, or the good revision) and n known bad. Each step tests
 * one position between the last good and the first bad; a skipped position (it did not
 * build, or failed some other way) is stepped around, as `git bisect skip` does. Pure.
 */

export type StepOutcome = 'good' | 'bad' | 'skip';

export interface SearchState {
  /** The highest position known good. */
  readonly good: number;
  /** The lowest position known bad. */
  readonly bad: number;
  /** Positions between good and bad that were skipped. */
  readonly skipped: ReadonlySet<number>;
}

export type SearchResult =
  | { readonly done: false; readonly next: number }
  /** `first` is the first bad position. */
  | { readonly done: true; readonly first: number }
  /** Every position that could be the first bad one was skipped: they are the candidates. */
  | { readonly done: true; readonly candidates: readonly number[] };

export function startSearch(n: number): SearchState {
  if (!Number.isInteger(n) || n < 1) throw new Error(`a bisection needs at least one change, got ${n}`);
  return { good: 0, bad: n, skipped: new Set() };
}

/** The state once position `at` turned out `outcome`. */
export function record(state: SearchState, at: number, outcome: StepOutcome): SearchState {
  if (!(at > state.good && at < state.bad)) throw new Error(`position ${at} is outside (${state.good}, ${state.bad})`);
  if (outcome === 'good') return { ...state, good: at, skipped: keepBetween(state.skipped, at, state.bad) };
  if (outcome === 'bad') return { ...state, bad: at, skipped: keepBetween(state.skipped, state.good, at) };
  return { ...state, skipped: new Set([...state.skipped, at]) };
}

function keepBetween(set: ReadonlySet<number>, low: number, high: number): Set<number> {
  return new Set([...set].filter((p) => p > low && p < high));
}

/**
 * What to test next: the untested position nearest the middle of (good, bad), the lower one
 * first on a tie; done when none is left.
 */
export function nextStep(state: SearchState): SearchResult {
  const { good, bad, skipped } = state;
  if (bad - good === 1) return { done: true, first: bad };
  const middle = (good + bad) / 2;
  let best: number | undefined;
  for (let p = good + 1; p < bad; p++) {
    if (skipped.has(p)) continue;
    if (best === undefined || Math.abs(p - middle) < Math.abs(best - middle)) best = p;
  }
  if (best !== undefined) return { done: false, next: best };
  // Everything between is skipped: the first bad one is one of them, or `bad` itself.
  const candidates: number[] = [];
  for (let p = good + 1; p <= bad; p++) candidates.push(p);
  return { done: true, candidates };
}
