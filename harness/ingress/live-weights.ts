// Whether the controller serves the route's new weights yet: Traefik's
// read-only API (on its own entry point, reached through the controller
// Service's NodePort on 127.0.0.1) lists the weighted service the HTTPRoute
// became. A step's traffic share is measured from the moment this says yes.
import { httpGet } from "../http.ts";
import { PROBE_SOURCE_ADDRESS } from "../target.ts";

interface ApiService {
  name?: string;
  weighted?: { services?: Array<{ name?: string; weight?: number }> };
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

export async function fetchServedWeights(apiUrl: string, canaryService: string): Promise<{ stable: number; canary: number } | null> {
  const r = await httpGet(`${apiUrl}/api/http/services?per_page=1000`, { timeoutMs: 2_000, localAddress: PROBE_SOURCE_ADDRESS });
  if (r.status !== 200) throw new Error(`Traefik's API answered ${r.status}: ${r.body.slice(0, 200)}`);
  return servedWeights(JSON.parse(r.body) as ApiService[], canaryService);
}
