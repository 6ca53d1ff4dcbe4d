import type { RunConfig } from "../config.ts";
import { blueGreen } from "./blue-green.ts";
import { canary } from "./canary.ts";
import { rolling } from "./rolling.ts";
import type { DeployStrategy } from "./strategy.ts";

export function strategyFor(name: RunConfig["strategy"]): DeployStrategy {
  switch (name) {
    case "rolling":
      return rolling;
    case "blue-green":
      return blueGreen;
    case "canary":
      return canary;
  }
}
