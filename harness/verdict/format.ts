// Text helpers shared by the verdict rules: every message carries numbers,
// written the same way everywhere.

/** "+12.3s" relative to origin. */
export function formatOffset(t: number, origin: number): string {
  const s = (t - origin) / 1000;
  return `${s < 0 ? "-" : "+"}${Math.abs(s).toFixed(1)}s`;
}

/** "12.3 s" */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** "1 outage", "3 outages" */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** 2237 -> "2,237" (no locale data needed). */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** { a: 3, b: 5 } -> "b ×5, a ×3" (most first). */
export function countList(rec: Record<string, number>, label: (k: string) => string = (k) => k, num: (n: number) => string = String): string {
  return Object.entries(rec)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${label(k)} ×${num(n)}`)
    .join(", ");
}

export function inc(rec: Record<string, number>, key: string, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}
