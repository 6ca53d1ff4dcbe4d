// A deploy that replaced no pod proves nothing about dropped requests.
import type { RunEvent } from "../types.ts";
import { finding, type Finding } from "./finding.ts";

export function podsEvidence(podsReplaced: boolean): Finding {
  return podsReplaced
    ? finding([{ check: "pods replaced", ok: true, detail: "every pod serving before the deploy was replaced" }])
    : finding(
        [{ check: "pods replaced", ok: false, detail: "no: the deploy did not roll out new pods" }],
        ["pods were not replaced: the deploy did not roll out new pods"],
      );
}

/** True when every `pods` event shows a non-empty `after` set disjoint from `before`. */
export function podsReplacedFrom(events: readonly RunEvent[]): boolean {
  const pods = events.filter((e) => e.kind === "pods");
  if (pods.length === 0) return false;
  return pods.every((e) => {
    const before = new Set(e.before ?? []);
    const after = e.after ?? [];
    return before.size > 0 && after.length > 0 && after.every((p) => !before.has(p));
  });
}
