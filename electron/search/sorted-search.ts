// Binary search over sorted term lists and spans, shared by the postings, the word sequences and the matcher.

/**
 * Returns the first index in [low, high) where `test` is true. The test must be false up to some index and true
 * from there on. Returns `high` when it is true nowhere.
 */
export function firstIndexWhere(low: number, high: number, test: (index: number) => boolean): number {
  let start = low;
  let end = high;
  while (start < end) {
    const middle = (start + end) >> 1;
    if (test(middle)) end = middle;
    else start = middle + 1;
  }
  return start;
}

/** Returns the first position in [low, high) of a sorted list whose value is not less than `value`. */
export function lowerBound(sorted: readonly string[], value: string, low = 0, high = sorted.length): number {
  return firstIndexWhere(low, high, (index) => (sorted[index] ?? '') >= value);
}
