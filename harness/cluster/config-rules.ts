// The rules between config keys that name a provider (config-rules.ts runs
// them with the others).
import type { ConfigRules } from "../config-schema.ts";

export const providerRules: ConfigRules = (c, ctx) => {
  if (c.nodes > 1 && c.provider !== "kind") {
    ctx.addIssue({ code: "custom", path: ["nodes"], message: `only provider kind makes clusters of several nodes (provider is ${c.provider}); set nodes=1 or provider=kind` });
  }
  if (c.scenario === "drain") {
    if (c.provider === "local") ctx.addIssue({ code: "custom", path: ["provider"], message: "scenario=drain needs at least 2 worker nodes: the local cluster has one; use provider=kind with nodes >= 3, or existing" });
    if (c.provider === "kind" && c.nodes < 3) ctx.addIssue({ code: "custom", path: ["nodes"], message: `scenario=drain needs at least 2 worker nodes: with provider kind, nodes >= 3 (1 control plane + 2 workers; is ${c.nodes})` });
  }
  if (c.provider === "existing" && !c.kubeconfig && !process.env["KUBECONFIG"]) {
    ctx.addIssue({ code: "custom", path: ["kubeconfig"], message: "provider=existing needs kubeconfig (or KUBECONFIG)" });
  }
};
