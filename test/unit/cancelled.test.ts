import { describe, expect, it } from "vitest";
import { dropCancelledAtStop } from "../../harness/verdict/cancelled.ts";
import type { Sample } from "../../harness/verdict/types.ts";

const STOP = 10_000;
const s = (t: number, d: number, st: number, e = 0): Sample => ({ t, d, s: st, e, v: "", p: "", ph: "" });

describe("requests cancelled by the k6 stop", () => {
  it("drops only e=1000 connection errors in flight at the stop", () => {
    const samples = [s(1000, 5, 0, 1000), s(9990, 12, 0, 1000), s(9995, 1, 200), s(9000, 20, 0, 1000), s(9000, 960, 0, 1000)];
    const r = dropCancelledAtStop(samples, STOP);
    expect(r.cancelled).toBe(2);
    expect(r.byCode).toEqual({ "1000": 2 });
    expect(r.kept).toEqual([samples[0], samples[2], samples[3]]);
  });

  it("keeps a timeout or a reset near the stop: those are real failures", () => {
    const samples = [s(5000, 5000, 0, 1050), s(9990, 15, 0, 1220), s(9980, 30, 0, 1212)];
    const r = dropCancelledAtStop(samples, STOP);
    expect(r).toEqual({ kept: samples, cancelled: 0, byCode: {} });
  });

  it("drops e=1000 requests sent just after the stop request (k6 starts iterations until it acts on it)", () => {
    // Measured: {"t":stop+2,"d":2.385,"s":0,"e":1000,"c":"new"} in a good run, which then failed on it.
    const samples = [s(STOP + 2, 2.385, 0, 1000), s(STOP + 5, 0, 0, 1000), s(STOP + 3, 1, 200), s(STOP + 4, 1, 0, 1212)];
    const r = dropCancelledAtStop(samples, STOP, 5000);
    expect(r.cancelled).toBe(2);
    expect(r.kept).toEqual([samples[2], samples[3]]);
  });

  it("keeps e=1000 requests that ended before stop − 50 ms", () => {
    const samples = [s(9900, 49, 0, 1000)];
    expect(dropCancelledAtStop(samples, STOP).cancelled).toBe(0);
    // Exactly stop − 50 ms counts as at the stop.
    expect(dropCancelledAtStop([s(9900, 50, 0, 1000)], STOP).cancelled).toBe(1);
  });

  it("drops nothing without a stop time", () => {
    const samples = [s(9990, 12, 0, 1000)];
    expect(dropCancelledAtStop(samples, null)).toEqual({ kept: samples, cancelled: 0, byCode: {} });
  });
});

describe("requests cancelled by the k6 stop, with a request timeout", () => {
  it("keeps a request sent more than one timeout before the stop", () => {
    const samples = [s(4000, 6000, 0, 1000), s(6000, 4000, 0, 1000)];
    const r = dropCancelledAtStop(samples, STOP, 5000);
    expect(r.kept).toEqual([samples[0]]);
    expect(r.byCode).toEqual({ "1000": 1 });
  });
});
