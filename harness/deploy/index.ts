import type { RunConfig } from "../config.ts";
import { blueGreen } from "./blue-green.ts";
import { canary } from "./canary.ts";
import { canaryByWeight } from "./canary-weight.ts";
import { drain } from "./drain.ts";
import { rolling } from "./rolling.ts";
import type { DeployStrategy } from "./strategy.ts";

/** What moves during the load: the workers' drains (scenario=drain), else the configured strategy. */
export function strategyFor(name: RunConfig["strategy"], scenario: RunConfig["scenario"] = "deploy", canaryBy: RunConfig["canaryBy"] = "replicas"): DeployStrategy {
  if (scenario === "drain") return drain;
  switch (name) {
    case "rolling":
      return rolling;
    case "blue-green":
      return blueGreen;
    case "canary":
      return canaryBy === "weight" ? canaryByWeight : canary;
  }
}
