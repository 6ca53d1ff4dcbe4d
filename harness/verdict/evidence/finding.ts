// What one evidence rule returns. A problem is missing evidence: it turns a
// would-be pass into inconclusive (and is a note on fail / rolled-back,
// where failed requests already are the evidence).
import type { EvidenceCheck } from "../types.ts";

export interface Finding {
  checks: EvidenceCheck[];
  problems: string[];
  notes: string[];
}

export function finding(checks: EvidenceCheck[], problems: string[] = [], notes: string[] = []): Finding {
  return { checks, problems, notes };
}
