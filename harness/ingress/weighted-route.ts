// The TrafficRouter of canaryBy=weight: sets the HTTPRoute's two weights and
// resolves once Traefik serves them. A backend gets weight only once Traefik
// lists a server for it: ready pods are not enough, Traefik builds its
// backends from its own EndpointSlice cache, which can lag the Deployment's
// status; a weight set before that is a share of 503s with no version (CI,
// 2026-12-02: a 10 % step rolled back on 5 such failures, 0 answers from v2).
import { CANARY_SERVICE_NAME, SERVICE_NAME, type TrafficRouter } from "../deploy/strategy.ts";
import { type Clock, waitFor } from "../wait.ts";
import { type ApiService, servedServers, servedWeights } from "./live-weights.ts";

export interface WeightedRouteDeps {
  namespace: string;
  servicePort: number;
  /** Where Traefik's API is, for messages. */
  api: string;
  /** Traefik's API's HTTP services. */
  services(): Promise<ApiService[]>;
  /** Applies the route with these weights. */
  applyRoute(stable: number, canary: number): Promise<void>;
  record(kind: string, fields: Record<string, unknown>): void;
  /** The tail of Traefik's log, for a timeout. */
  logTail(): Promise<string>;
  clock?: Clock;
  timeoutMs?: number;
}

export function weightedRouter(d: WeightedRouteDeps): TrafficRouter {
  const now = () => (d.clock ?? { now: Date.now }).now();
  let last = "no answer yet";
  const poll = async <T>(what: string, read: (s: ApiService[]) => T | null, done: (x: T) => boolean, show: (x: T) => string) =>
    waitFor(
      `Traefik ${what} (its API at ${d.api})`,
      async () => {
        let services: ApiService[];
        try {
          services = await d.services();
        } catch (e) {
          last = (e as Error).message;
          return false;
        }
        const x = read(services);
        last = x === null ? "not listed" : show(x);
        return x !== null && done(x);
      },
      { timeoutMs: d.timeoutMs ?? 30_000, intervalMs: 100, ...(d.clock ? { clock: d.clock } : {}), diagnose: async () => `last: ${last}\nTraefik's log:\n${await d.logTail()}` },
    );
  return {
    async setWeights(stable, canary) {
      const start = now();
      for (const [service, weight] of [[SERVICE_NAME, stable], [CANARY_SERVICE_NAME, canary]] as const) {
        if (weight === 0) continue;
        const b = { namespace: d.namespace, service, port: d.servicePort };
        await poll(`to list a server for Service ${service} before it gets weight ${weight}`, (s) => servedServers(s, b), (n) => n > 0, (n) => `${n} servers`);
      }
      const setAt = now();
      await d.applyRoute(stable, canary);
      // Wait on the controller itself: the weights are live when its API serves them.
      await poll(`to serve the route's weights ${stable}/${canary}`, (s) => servedWeights(s, CANARY_SERVICE_NAME), (w) => w.stable === stable && w.canary === canary, (w) => `serves ${w.stable}/${w.canary}`);
      d.record("route-weights", { stable, canary, setAt, liveAfterMs: now() - setAt, serversAfterMs: setAt - start });
    },
  };
}
