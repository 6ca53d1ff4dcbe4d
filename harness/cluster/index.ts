import { ExistingProvider } from "./existing.ts";
import { KindProvider } from "./kind.ts";
import { LocalProvider } from "./local.ts";
import type { ClusterProvider, ProviderName } from "./provider.ts";

export function providerFor(name: ProviderName, opts: { kubeconfig?: string | undefined; context?: string | undefined; nodes?: number | undefined } = {}): ClusterProvider {
  switch (name) {
    case "local":
      return new LocalProvider();
    case "kind":
      return new KindProvider(opts.nodes);
    case "existing":
      return new ExistingProvider(opts.kubeconfig ?? process.env["KUBECONFIG"], opts.context);
  }
}
