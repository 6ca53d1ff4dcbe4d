// The cluster provider interface: local (upstream components as host
// processes), kind (Docker), existing (a kubeconfig the user names).

export type ProviderName = "local" | "kind" | "existing";

/** Providers that make clusters of several nodes (--nodes above 1). */
export const MULTI_NODE_PROVIDERS: readonly ProviderName[] = ["kind"];

/** Whether nodrop may install cluster-wide objects (CRDs) on this provider's clusters: its own, not a user's existing one. */
export const providerOwnsCluster = (p: ProviderName): boolean => p !== "existing";

/** Whether runs on this provider use the kind binary (its version is recorded with the run's). */
export const providerUsesKind = (p: ProviderName): boolean => p === "kind";

export interface ClusterStatus {
  provider: ProviderName;
  up: boolean;
  detail: string[];
}

export interface ClusterProvider {
  readonly name: ProviderName;
  /** Fails fast, before any work, with what is missing on this machine. */
  preflight(): Promise<void>;
  /** Brings the cluster up (idempotent: an already healthy cluster is reused). */
  provision(): Promise<void>;
  /** Path of the kubeconfig file for this cluster. */
  kubeconfigPath(): string;
  /** kubeconfig context to use, if not the file's current one. */
  context(): string | undefined;
  /** Makes an OCI/docker image archive available to the cluster's container runtime. */
  loadImage(archive: string, ref: string): Promise<void>;
  status(): Promise<ClusterStatus>;
  /** Tears everything down; safe to run twice and after a crash. */
  destroy(): Promise<void>;
  /** Copies component logs into `dir` (called before destroy). */
  collectLogs(dir: string): Promise<void>;
  /** Host port on 127.0.0.1 where a NodePort is reachable. */
  hostPortFor(nodePort: number): number;
  /**
   * The NodePort the Service in `slot` (0: the app, 1: a preview, ...) must
   * use so that hostPortFor() can reach it; undefined lets Kubernetes choose.
   */
  nodePortFor(slot: number): number | undefined;
}

/** A cluster component that stopped working during a run. */
export interface ComponentFault {
  component: string;
  message: string;
}

/**
 * Optional capability: a provider that runs the cluster's components itself
 * can say which of them died, so a run ends within seconds naming the
 * component instead of timing out in whatever step needed it next.
 */
export interface FaultWatchable {
  faults(): Promise<ComponentFault[]>;
}

/**
 * Optional capability: a provider whose nodes see all of nodrop's traffic from
 * one address and on fixed NodePorts (kind: the host masquerades 127.0.0.x to
 * its bridge address) forgets the nodes' connection tracking for a NodePort
 * before the load starts. Otherwise a connection of an earlier run, or of the
 * readiness probe, that ended within conntrack's timeouts decides where a new
 * connection with the same source port goes: to a pod that no longer exists.
 */
export interface NodePortStateClearable {
  clearNodePortState(nodePort: number): Promise<void>;
}

/**
 * Optional capability: kube-proxy's metrics endpoints (one per node) are
 * reachable from this machine, so a run can record when kube-proxy finished
 * programming each endpoint change (observe/kube-proxy.ts).
 */
export interface KubeProxyObservable {
  kubeProxyMetricsUrls(): Promise<string[]>;
}

/**
 * Optional capability: the DNAT of load connections to pods happens in
 * network namespaces this machine can watch, so each connection's pod is
 * known (observe/conntrack.ts, verdict/attribution.ts). Returns the argv of
 * a `conntrack -E` that prints NEW connections to `hostPort` with k6's own
 * source addresses and the pods' in them; or two, when a node in between
 * masquerades k6's addresses: this machine's events, then the node's
 * (observe/conntrack-join.ts).
 */
export interface ConnectionTrackable {
  connectionEventsArgv(hostPort: number): Promise<string[][]>;
}

/**
 * Where k6 must run so that its requests reach the cluster as users' do: a
 * program prefix that enters a node's network namespace (nsenter -n, nothing
 * else of the node), and the address on which this machine reaches a port k6
 * listens on in there (its REST API).
 */
export interface LoadPlacement {
  enter: string[];
  restHost: string;
  /** Where and why, in a few words, for the run's log. */
  note: string;
}

/**
 * Optional capability: a provider whose path from this machine to its
 * NodePorts would change what the load sees (kind behind Docker's userland
 * proxy: every connection re-made by docker-proxy from one address) places k6
 * inside a node instead; undefined keeps k6 on this machine.
 */
export interface LoadPlaceable {
  loadPlacement(): Promise<LoadPlacement | undefined>;
}

export function canPlaceLoad(p: ClusterProvider): p is ClusterProvider & LoadPlaceable {
  return typeof (p as Partial<LoadPlaceable>).loadPlacement === "function";
}

export function canTrackConnections(p: ClusterProvider): p is ClusterProvider & ConnectionTrackable {
  return typeof (p as Partial<ConnectionTrackable>).connectionEventsArgv === "function";
}

export function canObserveKubeProxy(p: ClusterProvider): p is ClusterProvider & KubeProxyObservable {
  return typeof (p as Partial<KubeProxyObservable>).kubeProxyMetricsUrls === "function";
}

export function canClearNodePortState(p: ClusterProvider): p is ClusterProvider & NodePortStateClearable {
  return typeof (p as Partial<NodePortStateClearable>).clearNodePortState === "function";
}

export function canWatchFaults(p: ClusterProvider): p is ClusterProvider & FaultWatchable {
  return typeof (p as Partial<FaultWatchable>).faults === "function";
}

export { PROJECT_ROOT, stateDir } from "../paths.ts";

export class ProviderUnavailableError extends Error {
  constructor(provider: ProviderName, missing: string) {
    super(`provider '${provider}' cannot work on this machine: ${missing}`);
    this.name = "ProviderUnavailableError";
  }
}
