// Watches of the run's namespace: pods (phase, readiness, termination) and
// EndpointSlices (which pod addresses are ready/serving/terminating). They go
// to events.ndjson so a failed run can be explained on a timeline: e.g. a pod
// that got SIGTERM while still listed as a ready endpoint.
import type * as k8s from "@kubernetes/client-node";
import type { Kube } from "../kube.ts";
import type { EventLog } from "./events.ts";

export function watchNamespace(kube: Kube, namespace: string, log: EventLog): { stop: () => void } {
  const pods = kube.watch(`/api/v1/namespaces/${namespace}/pods`, {}, (type, obj) => {
    const p = obj as k8s.V1Pod;
    const ready = p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    log.record("pod", {
      type,
      pod: p.metadata?.name,
      version: p.metadata?.labels?.["nodrop.dev/version"],
      phase: p.status?.phase,
      ready,
      terminating: !!p.metadata?.deletionTimestamp,
      ip: p.status?.podIP,
      node: p.spec?.nodeName,
    });
  });
  const slices = kube.watch(`/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, {}, (type, obj) => {
    const s = obj as k8s.V1EndpointSlice;
    log.record("endpoints", {
      type,
      slice: s.metadata?.name,
      service: s.metadata?.labels?.["kubernetes.io/service-name"],
      endpoints: (s.endpoints ?? []).map((e) => ({
        pod: e.targetRef?.name,
        ready: e.conditions?.ready ?? false,
        serving: e.conditions?.serving ?? false,
        terminating: e.conditions?.terminating ?? false,
      })),
    });
  });
  return {
    stop: () => {
      pods.stop();
      slices.stop();
    },
  };
}
