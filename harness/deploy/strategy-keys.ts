// What each strategy adds to a run's configuration and does to replicas: a
// leaf (types only), so that the report and the app loader can ask without
// naming a strategy themselves.
import type { RunConfig } from "../config.ts";

type Strategy = RunConfig["strategy"];

const KEYS: Record<Strategy, readonly (keyof RunConfig)[]> = {
  rolling: [],
  "blue-green": ["scaleDownDelay"],
  canary: ["canarySteps", "canaryPause", "analysisMaxErrorRate", "analysisMinRequests"],
};

/** The configuration keys only this strategy uses (shown beside the common ones in the report). */
export const strategyKeys = (s: Strategy): readonly (keyof RunConfig)[] => KEYS[s];

/** Whether the strategy sets each track's replicas itself (a HorizontalPodAutoscaler would fight it). */
export const strategySetsReplicas = (s: Strategy): boolean => s !== "rolling";
