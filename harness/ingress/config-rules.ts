// The rules between config keys that name an ingress controller
// (config-rules.ts runs them with the others).
import type { ConfigRules } from "../config-schema.ts";

export const ingressRules: ConfigRules = (c, ctx) => {
  if (c.ingressController !== "traefik" && c.path !== "ingress") {
    ctx.addIssue({ code: "custom", path: ["ingressController"], message: `ingressController applies to path=ingress (path is ${c.path})` });
  }
  if (c.canaryBy === "weight" && c.ingressController !== "traefik") {
    ctx.addIssue({ code: "custom", path: ["ingressController"], message: "canaryBy=weight sets weights on Traefik's HTTPRoute: ingressController must be traefik" });
  }
};
