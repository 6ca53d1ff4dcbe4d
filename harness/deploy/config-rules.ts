// The rules between config keys that name a strategy (config-rules.ts runs
// them with the others).
import type { ConfigRules } from "../config-schema.ts";

export const strategyRules: ConfigRules = (c, ctx) => {
  if (c.scenario === "drain" && c.strategy !== "rolling") {
    ctx.addIssue({ code: "custom", path: ["strategy"], message: `scenario=drain drains nodes under one Deployment: strategy must be rolling (is ${c.strategy})` });
  }
  if (c.canaryBy === "weight" && c.strategy !== "canary") {
    ctx.addIssue({ code: "custom", path: ["canaryBy"], message: `canaryBy applies to strategy=canary (strategy is ${c.strategy})` });
  }
  if (c.migration !== "none" && c.strategy !== "rolling") {
    ctx.addIssue({ code: "custom", path: ["strategy"], message: `migration=${c.migration} is a step of a rolling update from v1 to v2: strategy must be rolling` });
  }
};
