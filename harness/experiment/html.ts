// report.html for an experiment: report.md rendered by marked into a
// self-contained page (no external assets), so the two never disagree.
import { Marked } from "marked";
import { htmlEscape } from "../../reports/html.ts";

const marked = new Marked({ gfm: true, async: false });

export function experimentHtml(name: string, markdown: string): string {
  const body = marked.parse(markdown) as string;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nodrop experiment ${htmlEscape(name)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}
code{background:#f5f5f5;padding:0 3px}
</style>
</head>
<body>
${body}</body>
</html>
`;
}
