// The API server's own words for a refused request. @kubernetes/client-node's
// ApiException reads "HTTP-Code: 403 Message: Unknown API Status Code! Body:
// {…}"; the Status in its body says what happened ("… is forbidden: unable
// to create new content in namespace … because it is being terminated").
export function apiErrorText(e: unknown): string {
  const err = (e ?? {}) as { message?: unknown; code?: unknown; body?: unknown };
  let body = err.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: the message below
    }
  }
  const said = (body as { message?: unknown } | null | undefined)?.message;
  if (typeof said === "string" && said) return `${said}${typeof err.code === "number" ? ` (HTTP ${err.code})` : ""}`;
  return typeof err.message === "string" ? err.message : String(e);
}
