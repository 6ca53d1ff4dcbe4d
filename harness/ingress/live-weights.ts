// What the controller serves: Traefik's read-only API (on its own entry point,
// reached through the controller Service's NodePort on 127.0.0.1) lists the
// weighted service the HTTPRoute became, and each backend Service's servers
// (the ready endpoints Traefik has seen). A step's traffic share is measured
// from the moment the weights are served; a backend gets weight only once it
// has a server (weighted-route.ts).
import { httpGet } from "../http.ts";
import { PROBE_SOURCE_ADDRESS } from "../target.ts";

export interface ApiService {
  name?: string;
  weighted?: { services?: Array<{ name?: string; weight?: number }> };
  loadBalancer?: { servers?: Array<{ url?: string }> };
}

/** The weights (percent to the stable and the canary Service) Traefik's API shows, or null when it shows no weighted route. */
export function servedWeights(services: readonly ApiService[], canaryService: string): { stable: number; canary: number } | null {
  const wrr = services.find((s) => s.name?.endsWith("-wrr@kubernetesgateway") && (s.weighted?.services?.length ?? 0) === 2);
  if (!wrr) return null;
  let stable = NaN;
  let canary = NaN;
  for (const b of wrr.weighted!.services!) {
    if (b.name?.includes(`-${canaryService}-`)) canary = b.weight ?? 1;
    else stable = b.weight ?? 1;
  }
  return Number.isNaN(stable) || Number.isNaN(canary) ? null : { stable, canary };
}

/**
 * How many servers Traefik's API lists for a route backend (Service `service`
 * port `port` in `namespace`), or null when it lists no such backend. Traefik's
 * Gateway provider names it "<namespace>-<service>-http-<port>@kubernetesgateway"
 * and gives it the Service's ready endpoints from its own EndpointSlice cache:
 * a backend with none answers 503 for its share of the route.
 */
export function servedServers(services: readonly ApiService[], b: { namespace: string; service: string; port: number }): number | null {
  const name = `${b.namespace}-${b.service}-http-${b.port}@kubernetesgateway`;
  const s = services.find((x) => x.name === name && x.loadBalancer);
  return s ? (s.loadBalancer!.servers?.length ?? 0) : null;
}

export async function fetchServices(apiUrl: string): Promise<ApiService[]> {
  const r = await httpGet(`${apiUrl}/api/http/services?per_page=1000`, { timeoutMs: 2_000, localAddress: PROBE_SOURCE_ADDRESS });
  if (r.status !== 200) throw new Error(`Traefik's API answered ${r.status}: ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body) as ApiService[];
}
