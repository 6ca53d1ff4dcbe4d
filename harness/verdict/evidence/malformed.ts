// A line of samples.ndjson that is not a sample (e.g. cut off when k6 was
// killed) is a request whose outcome is unknown: never a pass over it.
import { plural } from "../format.ts";
import { finding, type Finding } from "./finding.ts";

export function malformedEvidence(malformedLines: number): Finding {
  if (malformedLines <= 0) return finding([{ check: "sample lines", ok: true, detail: "0 malformed" }]);
  return finding(
    [{ check: "sample lines", ok: false, detail: `${malformedLines} malformed` }],
    [
      `${plural(malformedLines, "malformed sample line")} (not a complete sample, e.g. a line cut off when k6 was killed): ` +
        `the requests they recorded were never judged`,
    ],
  );
}
