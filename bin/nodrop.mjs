#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so that no build step stands between a
// fresh clone and `npx nodrop`.
import { register } from "tsx/esm/api";
register();
await import("../harness/cli.ts");
