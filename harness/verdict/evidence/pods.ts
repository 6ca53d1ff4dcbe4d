// A deploy that replaced no pod proves nothing about dropped requests.
import { finding, type Finding } from "./finding.ts";

export function podsEvidence(podsReplaced: boolean): Finding {
  return podsReplaced
    ? finding([{ check: "pods replaced", ok: true, detail: "every pod serving before the deploy was replaced" }])
    : finding(
        [{ check: "pods replaced", ok: false, detail: "no: the deploy did not roll out new pods" }],
        ["pods were not replaced: the deploy did not roll out new pods"],
      );
}
