import { describe, expect, it, vi } from "vitest";
import { backgroundWork, inBackground, settleBackground } from "../../harness/background.ts";
import { log } from "../../harness/log.ts";

describe("work handed to the background (a finished run's namespace deletion)", () => {
  it("runs without being waited for, is named while it runs, and settles — work started meanwhile too", async () => {
    const order: string[] = [];
    let release!: () => void;
    inBackground("delete namespace a", () => new Promise<void>((r) => (release = r)).then(() => void order.push("a")));
    expect(backgroundWork()).toEqual(["delete namespace a"]);
    const settled = settleBackground().then(() => order.push("settled"));
    inBackground("delete namespace b", async () => void order.push("b"));
    release();
    await settled;
    expect(order).toEqual(["b", "a", "settled"]);
    expect(backgroundWork()).toEqual([]);
  });

  it("a failure is reported with its name, never thrown at whoever waits", async () => {
    const error = vi.spyOn(log, "error").mockImplementation(() => true);
    inBackground("delete namespace c", async () => {
      throw new Error("the API server went away");
    });
    await expect(settleBackground()).resolves.toBeUndefined();
    expect(error).toHaveBeenCalledWith("cleanup 'delete namespace c' failed: the API server went away");
    error.mockRestore();
  });
});
