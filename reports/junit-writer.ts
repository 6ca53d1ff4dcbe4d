// The one JUnit XML writer (run reports and nightly reports both use it), with
// one convention, the one JUnit itself has:
//   <failure>  the thing under test was judged and found bad (requests
//              failed, a regression, a rollback nobody expected or one that
//              did not happen);
//   <error>    it could not be judged (an inconclusive run, a broken run);
//   neither    it passed.
// Counts (tests, failures, errors, skipped) are computed here, per
// <testsuite> and for <testsuites>; a case with both keeps only its failure.

// Characters XML 1.0 does not allow at all (they cannot even be escaped).
const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(s: string): string {
  return s
    .replace(INVALID_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

export interface JunitProblem {
  /** One line: the message attribute. */
  message: string;
  type?: string;
  /** The element's text (defaults to the message). */
  body?: string;
}

export interface JunitCase {
  name: string;
  classname: string;
  /** Seconds. */
  time?: number;
  properties?: Array<[string, string | number]>;
  failure?: JunitProblem;
  error?: JunitProblem;
  systemOut?: string;
}

export interface JunitSuite {
  name: string;
  /** ISO time without a zone (JUnit's timestamp), UTC. */
  timestamp?: string;
  /** Seconds. */
  time?: number;
  cases: JunitCase[];
  systemOut?: string;
}

const attr = (s: string | number) => `"${xmlEscape(String(s))}"`;
const secs = (s: number) => Math.max(0, s).toFixed(3);

function counts(cases: readonly JunitCase[]): { tests: number; failures: number; errors: number } {
  const failures = cases.filter((c) => c.failure).length;
  return { tests: cases.length, failures, errors: cases.filter((c) => !c.failure && c.error).length };
}

function problemXml(tag: "failure" | "error", p: JunitProblem): string {
  const message = p.message.split("\n")[0] ?? "";
  return `      <${tag} message=${attr(message)}${p.type ? ` type=${attr(p.type)}` : ""}>${xmlEscape(p.body ?? p.message)}</${tag}>`;
}

function caseXml(c: JunitCase): string[] {
  const out = [`    <testcase name=${attr(c.name)} classname=${attr(c.classname)}${c.time === undefined ? "" : ` time=${attr(secs(c.time))}`}>`];
  if (c.properties?.length) {
    out.push("      <properties>");
    for (const [k, v] of c.properties) out.push(`        <property name=${attr(k)} value=${attr(v)}/>`);
    out.push("      </properties>");
  }
  if (c.failure) out.push(problemXml("failure", c.failure));
  else if (c.error) out.push(problemXml("error", c.error));
  if (c.systemOut) out.push(`      <system-out>${xmlEscape(c.systemOut)}</system-out>`);
  if (out.length === 1) return [out[0]!.replace(/>$/, "/>")];
  out.push("    </testcase>");
  return out;
}

export function junitDocument(name: string, suites: readonly JunitSuite[]): string {
  const all = suites.flatMap((s) => s.cases);
  const total = counts(all);
  const time = suites.every((s) => s.time !== undefined) && suites.length ? ` time=${attr(secs(suites.reduce((n, s) => n + s.time!, 0)))}` : "";
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name=${attr(name)} tests="${total.tests}" failures="${total.failures}" errors="${total.errors}"${time}>`];
  for (const s of suites) {
    const c = counts(s.cases);
    out.push(
      `  <testsuite name=${attr(s.name)} tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="0"` +
        `${s.time === undefined ? "" : ` time=${attr(secs(s.time))}`}${s.timestamp ? ` timestamp=${attr(s.timestamp)}` : ""}>`,
    );
    for (const k of s.cases) out.push(...caseXml(k));
    if (s.systemOut) out.push(`    <system-out>${xmlEscape(s.systemOut)}</system-out>`);
    out.push("  </testsuite>");
  }
  out.push("</testsuites>", "");
  return out.join("\n");
}
