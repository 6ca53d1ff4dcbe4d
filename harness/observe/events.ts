// The run's event log (events.ndjson): harness milestones (phases, deploy
// windows, pod sets, rollbacks) and what the cluster did (pod and
// EndpointSlice changes from watches), one JSON object per line, appended as
// it happens so nothing is lost if the run dies.
import { appendFileSync } from "node:fs";
import type { RunEvent } from "../verdict/types.ts";

export class EventLog {
  readonly events: RunEvent[] = [];
  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  record(kind: string, fields: Record<string, unknown> = {}): RunEvent {
    const ev: RunEvent = { t: this.now(), kind, ...fields };
    this.events.push(ev);
    appendFileSync(this.file, `${JSON.stringify(ev)}\n`);
    return ev;
  }

  phase(name: string): void {
    this.record("phase-start", { name });
  }
}
