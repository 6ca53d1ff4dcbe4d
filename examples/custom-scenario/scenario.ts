// A k6 scenario of your own, in TypeScript: a user session of two requests
// (browse, then order), checked against @types/k6 and bundled by nodrop's
// esbuild step. It imports nodrop's sampling library as "nodrop/scenario":
//   baseOptions()  the load's shape from the harness (rate, warm-up, both
//                  probes, the duration cap): keep it, add to it;
//   url(path)      the service under test (the NodePort on 127.0.0.1);
//   requestParams  the harness's timeout and phase tag, "Connection: close"
//                  on the new-connection probe;
//   record()       one line of samples.ndjson per request: a request you do
//                  not record is not judged, so record every one.
import http from "k6/http";
import type { Options } from "k6/options";
import { baseOptions, record, requestParams, url } from "nodrop/scenario";

export const options: Options = baseOptions();

// 201 is what creating an order answers (k6's own http_req_failed follows it too).
const CREATED = http.expectedStatuses(201);

export default function (): void {
  let t = Date.now();
  const home = http.get(url("/"), requestParams(t, { headers: { Host: "shop.example" }, tags: { request: "browse" } }));
  record(t, home, { name: "browse" });

  t = Date.now();
  const order = http.post(url("/api/orders"), JSON.stringify({ item: 42 }), requestParams(t, { headers: { "Content-Type": "application/json" }, tags: { request: "order" }, responseCallback: CREATED }));
  record(t, order, { name: "order", ok: order.status === 201 });
}
