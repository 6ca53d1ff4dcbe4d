#!/usr/bin/env bash
# A service no one here wrote, run as a user would (issue 24): Kubernetes'
# own e2e test server, agnhost netexec (k8s.io/kubernetes/test/images/agnhost
# at the pinned KUBERNETES_VERSION, built from the Go module proxy), which
# sends no version or pod header; its /readyz fails at SIGTERM, it keeps
# serving for --delay-shutdown seconds, then exits. Packed with
# `nodrop image pack`, deployed with --app (one Deployment with a readiness
# probe), judged by nodrop with the defaults (both probes, the gate on).
# Prints nodrop's verdict, the per-version table and how versions were known.
#
# Usage: bash bench/upstream-service.sh [--set key=value ...]   (cluster up or not)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
source clusters/tools/versions.env
work=${TMPDIR:-/tmp}/nodrop-agnhost
mkdir -p "$work/app"
if [ ! -x "$work/agnhost" ]; then
  echo "building agnhost $KUBERNETES_VERSION from the Go module proxy ..."
  src=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  mkdir -p "$work/build"
  (
    cd "$work/build"
    printf 'module nodrop.local/agnhost-build\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes %s\n' "$KUBERNETES_VERSION" >go.mod
    grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$src/go.mod" | awk '{print $1}' | sort -u | while read -r m; do
      go mod edit -replace "$m=$m@$KUBERNETES_STAGING_VERSION"
    done
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$work/agnhost" k8s.io/kubernetes/test/images/agnhost
  )
fi
node bin/nodrop.mjs image pack "$work/agnhost" --name upstream.example/agnhost:"$KUBERNETES_VERSION" --out "$work/app/image.tar" --port 8080 >/dev/null
cat >"$work/app/deployment.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: { name: agnhost }
spec:
  replicas: 3
  selector: { matchLabels: { app: agnhost } }
  template:
    metadata: { labels: { app: agnhost } }
    spec:
      containers:
        - name: netexec
          image: upstream.example/agnhost:$KUBERNETES_VERSION
          args: [netexec, --http-port=8080, --delay-shutdown=5]
          ports: [{ containerPort: 8080 }]
          readinessProbe:
            httpGet: { path: /readyz, port: 8080 }
            periodSeconds: 1
            failureThreshold: 1
EOF
printf 'port: 8080\npath: /hostname\n' >"$work/app/nodrop-app.yaml"
out=$(node bin/nodrop.mjs run --app "$work/app" --set rollouts=2 "$@" 2>&1) && rc=0 || rc=$?
echo "$out" | grep -E "^(✓|✗) verdict|rolled back|analysis" || true
dir=$(echo "$out" | sed -n 's/.*output in \(reports\/runs\/[^ ]*\).*/\1/p' | head -1)
echo "exit $rc; $dir"
[ -n "$dir" ] && sed -n '/^## Versions/,/^## Outages/p' "$dir/report.md" | grep -v '^## Outages'
exit "$rc"
