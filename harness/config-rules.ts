// The rules between a RunConfig's keys: combinations of values that each key
// allows alone but a run cannot do (say canaryBy=weight without path=ingress).
// Each broken rule is an issue on the key to change, with what to set instead.
// The rules that name a provider, an ingress controller or a strategy live
// in that one's folder (cluster/, ingress/, deploy/ config-rules.ts).
import { providerRules } from "./cluster/config-rules.ts";
import type { ConfigRules } from "./config-schema.ts";
import { strategyRules } from "./deploy/config-rules.ts";
import { ingressRules } from "./ingress/config-rules.ts";

/** RunConfigSchema's superRefine: adds an issue to `ctx` for each rule `c` breaks. */
export const crossFieldRules: ConfigRules = (c, ctx) => {
  generalRules(c, ctx);
  providerRules(c, ctx);
  ingressRules(c, ctx);
  strategyRules(c, ctx);
};

const generalRules: ConfigRules = (c, ctx) => {
  if (isZero(c.maxSurge) && isZero(c.maxUnavailable)) {
    ctx.addIssue({
      code: "custom",
      path: ["maxUnavailable"],
      message: "maxSurge and maxUnavailable cannot both be 0 (the rollout could never make progress); set one of them >= 1",
    });
  }
  if (c.preStopSleep > 0 && c.preStopSleep >= c.terminationGracePeriod) {
    ctx.addIssue({
      code: "custom",
      path: ["preStopSleep"],
      message: `must be shorter than terminationGracePeriod (${c.terminationGracePeriod} s), or the kubelet kills the pod during preStop`,
    });
  }
  if (c.cooldown < c.requestTimeout) {
    ctx.addIssue({
      code: "custom",
      path: ["cooldown"],
      message:
        `must be at least requestTimeout (${c.requestTimeout} s): requests sent at the end of the last deploy window ` +
        `need up to requestTimeout to finish before k6 is stopped`,
    });
  }
  if (c.scenario === "drain") {
    if (c.badVersion !== "none") ctx.addIssue({ code: "custom", path: ["badVersion"], message: "scenario=drain deploys no new version: badVersion must be none" });
    if (c.path === "ingress") ctx.addIssue({ code: "custom", path: ["path"], message: "scenario=drain drains the nodes the single ingress controller runs on too: path must be nodeport" });
    if (c.replicas < 2) ctx.addIssue({ code: "custom", path: ["replicas"], message: "scenario=drain spreads the pods over the workers: replicas must be >= 2" });
  }
  if (c.canaryBy === "weight" && c.path !== "ingress") {
    ctx.addIssue({ code: "custom", path: ["canaryBy"], message: "canaryBy=weight sets weights on the ingress's route: it needs path=ingress" });
  }
  if (c.app !== undefined && c.streams > 0) {
    ctx.addIssue({ code: "custom", path: ["streams"], message: "only the sample app serves streams (/stream): with app set, streams must be 0" });
  }
  if (c.app !== undefined && c.badVersion !== "none") {
    ctx.addIssue({ code: "custom", path: ["badVersion"], message: "only the sample app has bad versions: with app set, badVersion must be none" });
  }
  if (c.app !== undefined && (c.database || c.migration !== "none")) {
    ctx.addIssue({ code: "custom", path: [c.migration !== "none" ? "migration" : "database"], message: "only the sample app has a database mode: with app set, database must be false and migration none" });
  }
  if (c.migration !== "none") {
    const why = `migration=${c.migration} is a step of a rolling update from v1 to v2`;
    if (c.scenario !== "deploy") ctx.addIssue({ code: "custom", path: ["scenario"], message: `${why}: scenario must be deploy` });
    if (c.rollouts !== 1) ctx.addIssue({ code: "custom", path: ["rollouts"], message: `${why}: rollouts must be 1` });
  }
  if (c.runners > 1 && c.load !== "operator") {
    ctx.addIssue({ code: "custom", path: ["runners"], message: `runners applies to load=operator (load is ${c.load}): set load=operator or runners=1` });
  }
  if (c.load === "operator" && c.streams > 0) {
    ctx.addIssue({ code: "custom", path: ["streams"], message: "load=operator sends requests only: streams must be 0" });
  }
};

function isZero(v: number | string): boolean {
  return v === 0 || v === "0%";
}
