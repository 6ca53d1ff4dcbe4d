// Pods that cannot start, named with the kubelet's reason and what to do,
// so that a wait ends within seconds instead of at its timeout. Pure: the
// caller lists the pods.
import type { V1Pod } from "@kubernetes/client-node";

/** Waiting reasons that do not go away by waiting. */
export const FATAL_WAITING = ["ErrImageNeverPull", "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "CrashLoopBackOff"];

const ADVICE: Record<string, string> = {
  ErrImageNeverPull:
    "the image is not on the node, and nothing is ever pulled here: `nodrop run --app DIR` imports the app folder's archive itself; " +
    "on provider=existing load it onto every node yourself (e.g. `kind load image-archive FILE`, or `ctr -n k8s.io images import FILE` on the node); " +
    "an image pinned by digest (repo@sha256:…) is found only by that name: `ctr -n k8s.io images tag REPO:TAG REPO@DIGEST` on each node",
  ErrImagePull: "the pod tried to pull its image; nothing can be pulled here: set imagePullPolicy Never and load the image (see ErrImageNeverPull)",
  ImagePullBackOff: "the pod tried to pull its image; nothing can be pulled here: set imagePullPolicy Never and load the image",
  InvalidImageName: "the container's image reference is not valid",
  CreateContainerConfigError: "a ConfigMap, Secret or key the container refers to is missing (put it in the app folder)",
  CreateContainerError: "the runtime could not create the container (see the message)",
  CrashLoopBackOff: "the container keeps exiting: see `kubectl logs --previous` for its output",
};

/** The first pod that cannot start, as one line with the reason and advice; undefined if none. */
export function podStartProblem(pods: readonly V1Pod[]): string | undefined {
  for (const pod of pods) {
    for (const st of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const w = st.state?.waiting;
      if (!w?.reason || !FATAL_WAITING.includes(w.reason)) continue;
      const msg = w.message ? `: ${w.message.split("\n")[0]}` : "";
      return `pod ${pod.metadata?.name ?? "?"} container ${st.name}: ${w.reason}${msg} — ${ADVICE[w.reason] ?? ""}`;
    }
  }
  return undefined;
}
