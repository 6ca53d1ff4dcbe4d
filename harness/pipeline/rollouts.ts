// Phase 5, the deploys under load: warm-up, config.rollouts rollouts by the
// strategy (each a deploy window in events.ndjson; the first rollback ends
// them), then cool-down. Warm-up and cool-down wait until k6's samples cover
// them, so a load that stalls cannot pass for one that ran.
import type { K6Run } from "../load/k6-types.ts";
import { log, step } from "../log.ts";
import { waitFor } from "../wait.ts";
import { need, type RunState } from "./state.ts";

export async function rolloutsPhase(s: RunState): Promise<void> {
  const { config, events, abort } = s;
  const started = need(s.k6, "k6");
  const strategy = need(s.strategy, "strategy");
  const ctx = need(s.ctx, "ctx");
  events.phase("warmup");
  await step(`warm-up ${config.warmup} s`, () => waitLoadFor(started, config.warmup * 1000, "warm-up"));
  let version = 1;
  for (let i = 1; i <= config.rollouts && !s.rolledBack; i++) {
    const from = `v${version}`;
    const to = strategy.keepsVersion ? from : `v${version + 1}`;
    const what = strategy.keepsVersion ? `${strategy.name} ${i}/${config.rollouts} (${from} stays)` : `rollout ${i}/${config.rollouts}: ${from} → ${to} (${strategy.name})`;
    const r = await step(what, () => Promise.race([strategy.rollout(ctx, from, to, i), abort.aborted]));
    if (r.rolledBack) {
      s.rolledBack = r.rolledBack;
      log.warn(`rolled back: ${r.rolledBack.reason}`);
    } else if (!strategy.keepsVersion) version++;
  }
  events.phase("cooldown");
  await step(`cool-down ${config.cooldown} s`, () => waitLoadFor(started, config.cooldown * 1000, "cool-down"));
}

/** Resolves once k6's samples cover `ms` more milliseconds from now (the load really ran that long). */
async function waitLoadFor(k6: K6Run, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  let exited: string | undefined;
  void k6.exited.then((x) => (exited = x.detail ?? `k6 exited during the run (see ${k6.files.log})`));
  await waitFor(`${what}: load samples up to ${new Date(until).toISOString()}`, () => (k6.counts().lastT ?? 0) >= until, {
    timeoutMs: ms + 30_000,
    intervalMs: 100,
    fatal: () => exited,
  });
}
