// ingressController=nginx: Debian's nginx as the proxy in front of the app,
// with upstream keep-alive as ingress-nginx configures it (a pool of idle
// connections, keepalive_requests 10000, keepalive_timeout = ingressIdleTimeout).
// It is a plain reverse proxy, not an Ingress-watching controller: its upstream
// is the app Service's ClusterIP, so kube-proxy picks the pod per connection.
// What it is here for: nginx reuses an idle upstream connection without first
// checking whether the app has just closed it, and does not resend a POST that
// failed on one. An app whose idle keep-alive timeout is shorter than the
// proxy's therefore answers some requests with a reset: the keep-alive mismatch.
// (Traefik, on Go's transport, sees the close first: it shows no such failures.)
// Objects only; harness/ingress/index.ts applies them.
import type { V1ConfigMap } from "@kubernetes/client-node";
import { controllerDeployment, controllerMeta, controllerService, INGRESS_NAME } from "./controller-objects.ts";
import { WEB_PORT } from "./controller-objects.ts";
import { NGINX_IN_IMAGE } from "./nginx-image.ts";

export const NGINX_READY_PATH = "/nodrop-proxy-ready";
const CONF_DIR = "/etc/nodrop-nginx";

export interface NginxParams {
  runId: string;
  namespace: string;
  image: string;
  /** The app Service's ClusterIP and port: nginx's one upstream server. */
  upstream: { host: string; port: number };
  /** How long nginx keeps an idle upstream connection, seconds (its keepalive_timeout). */
  idleTimeoutS: number;
  nodePort?: number;
}

/** nginx's whole configuration: one worker, logs to stderr, temp files in /tmp (the image's only writable place). */
export function nginxConf(p: Pick<NginxParams, "upstream" | "idleTimeoutS">): string {
  const idleMs = Math.max(1, Math.round(p.idleTimeoutS * 1000));
  return `worker_processes 1;
daemon off;
pid /tmp/nginx.pid;
error_log stderr notice;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path /tmp/body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  upstream app {
    server ${p.upstream.host}:${p.upstream.port};
    keepalive 320;
    keepalive_requests 10000;
    keepalive_timeout ${idleMs}ms;
  }
  server {
    listen ${WEB_PORT};
    location = ${NGINX_READY_PATH} { return 200 "ready\\n"; }
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_buffering off;
    }
  }
}
`;
}

export function renderNginx(p: NginxParams): object[] {
  const config: V1ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: controllerMeta(p, INGRESS_NAME), data: { "nginx.conf": nginxConf(p) } };
  const deployment = controllerDeployment(p, {
    automountServiceAccountToken: false,
    containers: [
      {
        name: "nginx",
        image: p.image,
        imagePullPolicy: "Never",
        command: [NGINX_IN_IMAGE, "-e", "stderr", "-p", "/tmp/", "-c", `${CONF_DIR}/nginx.conf`],
        ports: [{ name: "web", containerPort: WEB_PORT }],
        readinessProbe: { httpGet: { path: NGINX_READY_PATH, port: WEB_PORT }, periodSeconds: 1, failureThreshold: 1 },
        volumeMounts: [
          { name: "conf", mountPath: CONF_DIR, readOnly: true },
          { name: "tmp", mountPath: "/tmp" },
        ],
      },
    ],
    volumes: [
      { name: "conf", configMap: { name: INGRESS_NAME } },
      { name: "tmp", emptyDir: {} },
    ],
  });
  const service = controllerService(p, [{ name: "web", protocol: "TCP", port: 80, targetPort: WEB_PORT, ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}) }]);
  return [config, deployment, service];
}
