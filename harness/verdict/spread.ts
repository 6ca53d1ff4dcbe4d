// min / median / max of a few figures (lags, repetitions' failure counts).

export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** min / median / max; the median of an even count is the mean of the middle two. null for no values. */
export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]! };
}
