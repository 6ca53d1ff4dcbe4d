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
# Beside k6, two independent clients watch the same NodePort from the moment
# the load starts until k6 stops: httperf (Debian's, in C; a new connection
# per request, 20/s) and hey (Go; 2 keep-alive connections, 20 req/s in all).
# Exit 5 when nodrop passed but either of them saw a request fail.
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
bash clusters/tools/install.sh clients >/dev/null
hey=${NODROP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nodrop}/tools/hey-$HEY_VERSION/bin/hey
log=$work/nodrop.log
node bin/nodrop.mjs run --app "$work/app" --set rollouts=2 "$@" >"$log" 2>&1 &
run=$!
# The load's URL, once nodrop starts k6 ("• k6: N req/s to URL"); polled while nodrop runs.
url=
while kill -0 "$run" 2>/dev/null && [ -z "$url" ]; do
  url=$(sed -n 's/.*k6: [0-9]* req\/s to \(http:\/\/127\.0\.0\.1:[0-9]*\/[^ ]*\).*/\1/p' "$log" | head -1)
  [ -n "$url" ] || sleep 0.2
done
clients=()
if [ -n "$url" ]; then
  hostport=${url#http://}; port=${hostport%%/*}; port=${port##*:}; uri=/${hostport#*/}
  # Bounded on their own (300 s) in case nodrop dies; stopped with SIGINT (both print their summary then).
  httperf --server 127.0.0.1 --port "$port" --uri "$uri" --rate 20 --num-conns 6000 --timeout 5 >"$work/httperf.txt" 2>&1 &
  clients+=($!)
  "$hey" -z 300s -c 2 -q 10 -t 5 "$url" >"$work/hey.txt" 2>&1 &
  clients+=($!)
  while kill -0 "$run" 2>/dev/null && ! grep -q "stop k6" "$log"; do sleep 0.2; done
  kill -INT "${clients[@]}" 2>/dev/null || true
  for c in "${clients[@]}"; do wait "$c" || true; done
fi
wait "$run" && rc=0 || rc=$?
out=$(cat "$log")
echo "$out" | grep -E "^(✓|✗) verdict|rolled back|analysis" || true
dir=$(echo "$out" | sed -n 's/.*output in \(reports\/runs\/[^ ]*\).*/\1/p' | head -1)
echo "exit $rc; $dir"
[ -n "$dir" ] && sed -n '/^## Versions/,/^## Outages/p' "$dir/report.md" | grep -v '^## Outages'
[ -n "$url" ] || { echo "nodrop never started k6: no independent clients ran"; exit "$rc"; }
# httperf: "Total: connections N requests N replies R", "Reply status: 1xx=… 2xx=…", "Errors: total E …".
hp_sent=$(sed -n 's/^Total: connections \([0-9]*\) .*/\1/p' "$work/httperf.txt")
hp_ok=$(sed -n 's/^Reply status: .*2xx=\([0-9]*\).*/\1/p' "$work/httperf.txt")
hp_err=$(sed -n 's/^Errors: total \([0-9]*\).*/\1/p' "$work/httperf.txt")
hp_bad=$(( ${hp_sent:-0} - ${hp_ok:-0} ))
# hey: "[200]	N responses" under "Status code distribution", then any "Error distribution".
hey_ok=$(sed -n 's/^ *\[200\][[:space:]]*\([0-9]*\) responses/\1/p' "$work/hey.txt")
hey_other=$(sed -n 's/^ *\[[0-9]*\][[:space:]]*\([0-9]*\) responses/\1/p' "$work/hey.txt" | awk '{ s += $1 } END { print s + 0 }')
hey_err=$(sed -n '/^Error distribution:/,$ s/^ *\[\([0-9]*\)\].*/\1/p' "$work/hey.txt" | awk '{ s += $1 } END { print s + 0 }')
hey_bad=$(( hey_other - ${hey_ok:-0} + hey_err ))
echo "independent clients on $url while k6 ran:"
echo "  httperf (new connection per request): ${hp_sent:-0} sent, ${hp_ok:-0} answered 2xx, ${hp_err:-0} errors → $hp_bad not OK   ($work/httperf.txt)"
echo "  hey (keep-alive): $(( hey_other + hey_err )) sent, ${hey_ok:-0} answered 200, $hey_err errors → $hey_bad not OK   ($work/hey.txt)"
if [ "$rc" = 0 ] && [ $(( hp_bad + hey_bad )) -gt 0 ]; then
  echo "DISAGREE: nodrop passed, an independent client saw $(( hp_bad + hey_bad )) request(s) fail"
  exit 5
fi
exit "$rc"
