import { describe, expect, it } from "vitest";
import { apiErrorText } from "../../harness/api-error.ts";

describe("the API server's own words for a refused request", () => {
  it("takes the Status message from the body (a string or an object), with the HTTP code", () => {
    const body = JSON.stringify({ kind: "Status", message: 'deployments.apps "app" is forbidden: unable to create new content in namespace nodrop-x because it is being terminated', code: 403 });
    expect(apiErrorText({ message: `HTTP-Code: 403\nMessage: Unknown API Status Code!\nBody: ${body}`, code: 403, body })).toBe('deployments.apps "app" is forbidden: unable to create new content in namespace nodrop-x because it is being terminated (HTTP 403)');
    expect(apiErrorText({ code: 404, body: { message: "namespaces \"x\" not found" } })).toBe('namespaces "x" not found (HTTP 404)');
  });
  it("falls back to the error's message, or the value itself", () => {
    expect(apiErrorText(new Error("connect ECONNREFUSED 127.0.0.1:6443"))).toBe("connect ECONNREFUSED 127.0.0.1:6443");
    expect(apiErrorText({ message: "x", body: "<html>bad gateway</html>" })).toBe("x");
    expect(apiErrorText("plain")).toBe("plain");
  });
});
