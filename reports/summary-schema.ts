// The type summary.json's JSON Schema (docs/schema/summary.schema.json) is
// generated from, by `make docs`: Summary as it is written, with `config`
// (a zod-inferred type the generator cannot read) as the config file's own
// schema (docs/schema/config.schema.json).
import type { Summary } from "./json.ts";

export type SummaryFile = Omit<Summary, "config"> & {
  /** The run's whole configuration, defaults applied: docs/schema/config.schema.json. */
  config: Record<string, unknown>;
};
