#!/usr/bin/env bash
# Installs every tool nodrop needs on a fresh Debian 12 machine, from sources
# this machine can reach: Debian's packages and the Go module proxy. No
# container registry, no prebuilt binary downloads.
#
# Idempotent and cached by version: a second run only checks markers and
# finishes in seconds. Usage: clusters/tools/install.sh [all|kind-all|kind-docker|browser|clients|traefik|nginx|postgres|k6-operator|debian|kubernetes|kubeadm|nerdctl|docker-engine|helm|k6|kind|pause]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

CACHE_DIR=${NODROP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nodrop}
TOOLS_DIR=$CACHE_DIR/tools
mkdir -p "$TOOLS_DIR"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

ts() { date +%s; }
say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
ok() { printf '    \033[32m✓\033[0m %s\n' "$*"; }
die() { printf '    \033[31m✗\033[0m %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Runs a long command with its full output in a log file, printing a progress
# line every 200 lines; on failure prints the tail of the log.
run_logged() {
  local log=$1; shift
  local rc=0
  ( "$@" 2>&1 | tee "$log" | awk '{ n++ } n % 200 == 0 { printf "    ... %d lines of build output (%s)\n", n, $0; fflush() }' ; exit "${PIPESTATUS[0]}" ) || rc=$?
  if [ "$rc" != 0 ]; then
    echo "---- last 40 lines of $log ----" >&2
    tail -n 40 "$log" >&2
    die "command failed (exit $rc): $*"
  fi
}

install_debian() { install_debian_packages $DEBIAN_PACKAGES; }

# Headless Chromium for the report's browser test (Debian's build; nothing downloaded).
install_browser() { install_debian_packages $BROWSER_PACKAGES; }

install_debian_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} = 0 ]; then ok "Debian packages present"; return; fi
  say "installing Debian packages: ${missing[*]}"
  # Packages must not start their own daemons (etcd on :2379, containerd on its
  # default socket): nodrop starts its own, with its own config.
  local policy=/usr/sbin/policy-rc.d created_policy=
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee $policy >/dev/null
    as_root chmod +x $policy
    created_policy=1
  fi
  # Which daemons ran before: those are the machine's own and are never touched.
  local was_active=()
  for svc in etcd containerd; do
    if command -v systemctl >/dev/null && systemctl is-active -q "$svc" 2>/dev/null; then was_active+=("$svc"); fi
  done
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # Never at the cost of a package the machine has (Docker's containerd.io
  # conflicts with Debian's containerd): apt's plan must remove nothing.
  local removes
  removes=$(apt-get install -s --no-install-recommends "${missing[@]}" 2>/dev/null | sed -n 's/^Remv \([^ ]*\).*/\1/p' | tr '\n' ' ')
  if [ -n "$removes" ]; then
    [ -n "$created_policy" ] && as_root rm -f $policy
    die "installing ${missing[*]} would remove ${removes}(apt-get install -s); nodrop removes nothing of this machine's. Use --provider kind on this machine's Docker, or install those packages yourself"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$created_policy" ] && as_root rm -f $policy
  # A package may still have started its daemon (a policy-rc.d of the
  # machine's own that allows it). nodrop never stops what it finds running:
  # its own etcd and containerd use their own ports and sockets, so it says so
  # and leaves the daemon be.
  local svc pkg
  for svc in etcd containerd; do
    pkg=$svc; [ "$svc" = etcd ] && pkg=etcd-server
    [[ " ${was_active[*]} " == *" $svc "* ]] && continue
    [[ " ${missing[*]} " == *" $pkg "* ]] || continue
    if command -v systemctl >/dev/null && systemctl is-active -q "$svc" 2>/dev/null; then
      say "installing $pkg started the $svc service; it is left running (nodrop runs its own $svc on its own port and socket; stop it yourself if you do not want it)"
    fi
  done
  ok "Debian packages installed"
}

module_dir() { # module@version -> directory in the module cache
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

# Builds k8s.io/kubernetes commands at KUBERNETES_VERSION into DEST/bin, cached
# by the marker DEST/.complete. Usage: build_kubernetes_cmds DEST LABEL CMD...
build_kubernetes_cmds() {
  local dest=$1 label=$2; shift 2
  if [ -f "$dest/.complete" ]; then ok "$label $KUBERNETES_VERSION (cached)"; return; fi
  say "building $label $KUBERNETES_VERSION from the Go module proxy"
  local start; start=$(ts)
  local work; work=$TOOLS_DIR/.build-$(basename "$dest")
  rm -rf "$work" "$dest"; mkdir -p "$work" "$dest/bin"
  local src; src=$(module_dir "k8s.io/kubernetes@$KUBERNETES_VERSION")
  [ -n "$src" ] || die "could not download k8s.io/kubernetes@$KUBERNETES_VERSION"
  # k8s.io/kubernetes points its staging modules at ./staging with v0.0.0
  # requirements, which `go install` refuses. A wrapper module requires it and
  # replaces each staging module with its published release.
  (
    cd "$work"
    printf 'module nodrop.local/kubernetes-build\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes %s\n' "$KUBERNETES_VERSION" >go.mod
    grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$src/go.mod" | awk '{print $1}' | sort -u | while read -r m; do
      go mod edit -replace "$m=$m@$KUBERNETES_STAGING_VERSION"
    done
  )
  local minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  local ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z -X $pkg.gitCommit=module-proxy"
  done
  local pkgs=() c
  for c in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  (
    cd "$work"
    CGO_ENABLED=0 run_logged "$work/build.log" go build -mod=mod -v -trimpath -ldflags "$ldflags" -o "$dest/bin/" "${pkgs[@]}"
  )
  touch "$dest/.complete"
  rm -rf "$work"
  ok "$label $KUBERNETES_VERSION built in $(( $(ts) - start )) s"
}

install_kubernetes() {
  build_kubernetes_cmds "$TOOLS_DIR/kubernetes-$KUBERNETES_VERSION" "kubernetes server binaries (cold: ~10 min on 2 cores)" \
    kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy
  "$TOOLS_DIR/kubernetes-$KUBERNETES_VERSION/bin/kube-apiserver" --version | grep -q "$KUBERNETES_VERSION" || die "built kube-apiserver reports the wrong version"
}

# kubeadm and kubectl go into the kind node image only (provider kind).
install_kubeadm() {
  build_kubernetes_cmds "$TOOLS_DIR/kubeadm-$KUBERNETES_VERSION" "kubeadm + kubectl" kubeadm kubectl
  "$TOOLS_DIR/kubeadm-$KUBERNETES_VERSION/bin/kubeadm" version -o short | grep -q "$KUBERNETES_VERSION" || die "built kubeadm reports the wrong version"
}

install_pause() {
  local dest=$TOOLS_DIR/pause-$KUBERNETES_VERSION
  if [ -f "$dest/.complete" ]; then ok "pause (cached)"; return; fi
  local src; src=$(module_dir "k8s.io/kubernetes@$KUBERNETES_VERSION")
  rm -rf "$dest"; mkdir -p "$dest"
  gcc -Os -Wall -Werror -static -DVERSION="${PAUSE_IMAGE##*:}-nodrop" -o "$dest/pause" "$src/build/pause/linux/pause.c"
  strip "$dest/pause"
  touch "$dest/.complete"
  ok "pause compiled statically from kubernetes' build/pause/linux/pause.c"
}

# A Go module whose go.mod has `replace` directives (go install module@version
# refuses those): built from its downloaded source, as the main module.
install_go_module_build() { # name module version package
  local name=$1 module=$2 version=$3 pkg=$4
  local dest=$TOOLS_DIR/$name-$version
  if [ -f "$dest/.complete" ]; then ok "$name $version (cached)"; return; fi
  say "building $name $version from the Go module proxy (its own go.mod, replaces included)"
  local start; start=$(ts)
  local src; src=$(module_dir "$module@$version")
  [ -n "$src" ] || die "could not download $module@$version"
  local work=$TOOLS_DIR/.build-$name
  rm -rf "$work" "$dest"; mkdir -p "$dest/bin"
  cp -r "$src" "$work"; chmod -R u+w "$work"
  ( cd "$work" && CGO_ENABLED=0 run_logged "$TOOLS_DIR/$name-build.log" go build -v -trimpath -ldflags "-s -w" -o "$dest/bin/$name" "$pkg" )
  rm -rf "$work"
  touch "$dest/.complete"
  ok "$name $version built in $(( $(ts) - start )) s"
}

# Gateway API's standard-channel CRDs (GatewayClass, Gateway, HTTPRoute, ...)
# from the Go module the ingress controller is built against: YAML files, copied.
install_gateway_crds() {
  local dest=$TOOLS_DIR/gateway-api-$GATEWAY_API_VERSION
  if [ -f "$dest/.complete" ]; then ok "Gateway API CRDs $GATEWAY_API_VERSION (cached)"; return; fi
  local src; src=$(module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
  [ -n "$src" ] || die "could not download sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION"
  rm -rf "$dest"; mkdir -p "$dest/crds"
  cp "$src"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$dest/crds/"
  chmod -R u+w "$dest"
  touch "$dest/.complete"
  ok "Gateway API CRDs $GATEWAY_API_VERSION ($(ls "$dest/crds" | wc -l) files)"
}

# nginx for ingressController=nginx: Debian's own build, unpacked into the tools
# cache (apt-get download + dpkg -x), not installed: no daemon, no files under
# /etc. Its shared libraries come from the host when the image is packed.
install_nginx() {
  local dest=$TOOLS_DIR/nginx-$NGINX_VERSION
  if [ -f "$dest/.complete" ]; then ok "nginx $NGINX_VERSION (cached)"; return; fi
  say "unpacking Debian's nginx $NGINX_VERSION"
  local work=$TOOLS_DIR/.build-nginx
  rm -rf "$work" "$dest"; mkdir -p "$work" "$dest/bin"
  local ver; ver=$(apt-cache madison nginx | awk -v v="$NGINX_VERSION" '$3 ~ "^"v"-" { print $3; exit }')
  if [ -z "$ver" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    ver=$(apt-cache madison nginx | awk -v v="$NGINX_VERSION" '$3 ~ "^"v"-" { print $3; exit }')
  fi
  [ -n "$ver" ] || die "Debian offers no nginx $NGINX_VERSION-* (apt-cache madison nginx)"
  ( cd "$work" && apt-get download -qq "nginx=$ver" 2>/dev/null ) || ( cd "$work" && as_root apt-get download -qq "nginx=$ver" )
  dpkg -x "$work"/nginx_*.deb "$work/root"
  cp "$work/root/usr/sbin/nginx" "$dest/bin/nginx"
  rm -rf "$work"
  local missing; missing=$(ldd "$dest/bin/nginx" | grep 'not found' || true)
  [ -z "$missing" ] || die "nginx needs shared libraries this machine lacks: $missing"
  "$dest/bin/nginx" -v 2>&1 | grep -q "nginx/$NGINX_VERSION" || die "unpacked nginx reports the wrong version"
  echo "$ver" >"$dest/debian-version"
  touch "$dest/.complete"
  ok "nginx $ver (Debian's build)"
}

# PostgreSQL for the sample app's database mode (issue 12): Debian's build,
# unpacked (apt-get download + dpkg -x), never installed: no daemon, no cluster
# under /var/lib, nothing under /etc. The files keep their Debian paths below
# $dest (usr/lib/postgresql/15/{bin,lib}, usr/share/postgresql/15) because
# Debian's binaries find their share and lib directories relative to their own
# location only when that layout matches (else they use the compiled-in
# /usr/share/postgresql/15, /usr/lib/postgresql/15/lib). Only what initdb,
# postgres, psql and pg_isready need: no contrib modules, no JIT (llvmjit.so
# would pull in libLLVM; the server runs with jit=off).
install_postgres() {
  local major=${POSTGRES_VERSION%%.*}
  local dest=$TOOLS_DIR/postgres-$POSTGRES_VERSION
  if [ -f "$dest/.complete" ]; then ok "postgres $POSTGRES_VERSION (cached)"; return; fi
  say "unpacking Debian's PostgreSQL $POSTGRES_VERSION"
  local server=postgresql-$major client=postgresql-client-$major
  local work=$TOOLS_DIR/.build-postgres
  rm -rf "$work" "$dest"; mkdir -p "$work/debs" "$work/root" "$dest"
  local ver; ver=$(apt-cache madison "$server" | awk -v v="$POSTGRES_VERSION" '$3 ~ "^"v"[.-]" { print $3; exit }')
  if [ -z "$ver" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    ver=$(apt-cache madison "$server" | awk -v v="$POSTGRES_VERSION" '$3 ~ "^"v"[.-]" { print $3; exit }')
  fi
  [ -n "$ver" ] || die "Debian offers no $server $POSTGRES_VERSION-* (apt-cache madison $server)"
  # libpq5 is built from the same source as the server and psql needs it at
  # least at its own version: always taken at $ver. tzdata: for the UTC zone
  # file (Debian's PostgreSQL reads the system's /usr/share/zoneinfo).
  local debs=("$server=$ver" "$client=$ver" "libpq5=$ver" tzdata)
  # Any other library package the two depend on (transitively) that this
  # host lacks, or has at a version below what they require, is unpacked
  # beside them; the host's own libraries are used otherwise, as for nginx.
  local queue=("$server=$ver" "$client=$ver") seen=" " p name op want have
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}; queue=("${queue[@]:1}")
    while read -r name op want; do
      name=${name%%:*}
      case $name in lib*) ;; *) continue ;; esac
      case $name in libllvm*|libpq5) continue ;; esac
      case $seen in *" $name "*) continue ;; esac
      seen+="$name "
      have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null | awk '$3 == "installed" { print $4 }' || true)
      if [ -n "$have" ] && { [ -z "$want" ] || dpkg --compare-versions "$have" "$op" "$want"; }; then continue; fi
      debs+=("$name"); queue+=("$name")
    done < <(apt-cache show --no-all-versions "$p" 2>/dev/null | sed -n 's/^\(Pre-\)\{0,1\}Depends: //p' | tr ',' '\n' | sed 's/|.*//; s/[()]//g')
  done
  ( cd "$work/debs" && apt-get download -qq "${debs[@]}" 2>/dev/null ) || ( cd "$work/debs" && as_root apt-get download -qq "${debs[@]}" )
  local deb
  for deb in "$work"/debs/*.deb; do
    dpkg -x "$deb" "$work/root"
    dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb" >>"$dest/debian-packages"
  done
  local r=$work/root bin=usr/lib/postgresql/$major/bin lib=usr/lib/postgresql/$major/lib share=usr/share/postgresql/$major
  mkdir -p "$dest/$bin" "$dest/$lib" "$dest/$share/extension" "$dest/usr/share/zoneinfo/Etc"
  cp "$r/$bin"/{postgres,initdb,psql,pg_isready} "$dest/$bin/"
  # plpgsql (initdb creates the language), dict_snowball (initdb's text search
  # configurations), the encoding conversions (a client_encoding other than UTF8).
  cp "$r/$lib"/{plpgsql,dict_snowball,euc2004_sjis2004}.so "$r/$lib"/*_and_*.so "$dest/$lib/"
  # initdb's input files (postgres.bki, the *.sql, the samples), timezonesets and
  # tsearch_data; of the extensions only plpgsql. No man pages, no contrib.
  cp -a "$r/$share"/. "$dest/$share/"
  rm -rf "$dest/$share"/{man,contrib,extension}
  mkdir -p "$dest/$share/extension"
  cp "$r/$share"/extension/plpgsql.control "$r/$share"/extension/plpgsql--*.sql "$dest/$share/extension/"
  cp "$r/usr/share/zoneinfo/Etc/UTC" "$dest/usr/share/zoneinfo/Etc/UTC"
  ln -s Etc/UTC "$dest/usr/share/zoneinfo/UTC"
  # Shared libraries of the unpacked library packages (libpq5 at least), in
  # the multiarch directory the loader searches in the image.
  local ma; ma=$(cd "$r/usr/lib" && dirname "$(ls ./*/libpq.so.5)"); ma=${ma#./}
  mkdir -p "$dest/usr/lib/$ma"
  local d
  for d in "$r/usr/lib/$ma" "$r/lib/$ma"; do
    if [ -d "$d" ]; then find "$d" -maxdepth 1 -name '*.so*' ! -type d -exec cp -a -t "$dest/usr/lib/$ma/" {} +; fi
  done
  rm -rf "$work"
  local f missing
  for f in "$dest/$bin"/* "$dest/$lib"/*.so; do
    missing=$(LD_LIBRARY_PATH=$dest/usr/lib/$ma ldd "$f" | grep 'not found' || true)
    [ -z "$missing" ] || die "$(basename "$f") needs shared libraries this machine lacks: $missing"
  done
  for f in postgres initdb psql pg_isready; do
    LD_LIBRARY_PATH=$dest/usr/lib/$ma "$dest/$bin/$f" -V | grep -q "(PostgreSQL) $POSTGRES_VERSION\b" || die "unpacked $f reports the wrong version"
  done
  echo "$ver" >"$dest/debian-version"
  touch "$dest/.complete"
  ok "postgres $ver (Debian's build: $(du -sh "$dest" | cut -f1))"
}

# load=operator: the k6-operator controller (from its module's own go.mod) and
# its CRDs (config/crd/bases of the same module), plus the Debian packages the
# runner and starter images take their shell and curl from.
install_k6_operator() {
  install_go_module_build k6-operator github.com/grafana/k6-operator "$K6_OPERATOR_VERSION" ./cmd
  local dest=$TOOLS_DIR/k6-operator-$K6_OPERATOR_VERSION
  if [ ! -f "$dest/crds/.complete" ]; then
    local src; src=$(module_dir "github.com/grafana/k6-operator@$K6_OPERATOR_VERSION")
    [ -n "$src" ] || die "could not download github.com/grafana/k6-operator@$K6_OPERATOR_VERSION"
    rm -rf "$dest/crds"; mkdir -p "$dest/crds"
    cp "$src"/config/crd/bases/*.yaml "$dest/crds/"
    chmod u+w "$dest/crds"/*.yaml
    touch "$dest/crds/.complete"
  fi
  ok "k6-operator CRDs ($(ls "$dest/crds" | wc -l) files)"
  install_debian_packages $OPERATOR_PACKAGES
}

install_go_tool() { # name module version
  local name=$1 module=$2 version=$3
  local dest=$TOOLS_DIR/$name-$version
  if [ -f "$dest/.complete" ]; then ok "$name $version (cached)"; return; fi
  say "building $name $version from the Go module proxy"
  local start; start=$(ts)
  rm -rf "$dest"; mkdir -p "$dest/bin"
  CGO_ENABLED=0 GOBIN="$dest/bin" run_logged "$TOOLS_DIR/$name-build.log" go install -v -trimpath -ldflags "-s -w" "$module@$version"
  touch "$dest/.complete"
  ok "$name $version built in $(( $(ts) - start )) s"
}

# nerdctl's main package lives in a module with no go.sum entry for
# `go install pkg@version` here, so a wrapper module requires it (as for kubernetes).
install_nerdctl() {
  local dest=$TOOLS_DIR/nerdctl-$NERDCTL_VERSION
  if [ -f "$dest/.complete" ]; then ok "nerdctl $NERDCTL_VERSION (cached)"; return; fi
  say "building nerdctl $NERDCTL_VERSION from the Go module proxy"
  local start; start=$(ts)
  local work=$TOOLS_DIR/.build-nerdctl-$NERDCTL_VERSION
  rm -rf "$work" "$dest"; mkdir -p "$work" "$dest/bin"
  printf 'module nodrop.local/nerdctl-build\n\ngo 1.23\n\nrequire github.com/containerd/nerdctl %s\n' "$NERDCTL_VERSION" >"$work/go.mod"
  (
    cd "$work"
    CGO_ENABLED=0 run_logged "$work/build.log" go build -mod=mod -v -trimpath -ldflags "-s -w" -o "$dest/bin/nerdctl" github.com/containerd/nerdctl/cmd/nerdctl
  )
  "$dest/bin/nerdctl" --version | grep -q "${NERDCTL_VERSION#v}" || die "built nerdctl reports the wrong version"
  touch "$dest/.complete"
  rm -rf "$work"
  ok "nerdctl $NERDCTL_VERSION built in $(( $(ts) - start )) s"
}

# A module published without go.mod, whose zip carries vendor.mod/vendor.sum
# and no vendored code (docker/docker, docker/cli): built as the main module
# with those as go.mod/go.sum, as their scripts/with-go-mod.sh does.
# Usage: build_vendor_mod_module LOG MODULE@VERSION OUT PKG TAGS LDFLAGS
build_vendor_mod_module() {
  local log=$1 modver=$2 out=$3 pkg=$4 tags=$5 ldflags=$6
  local src; src=$(module_dir "$modver")
  [ -n "$src" ] || die "could not download $modver"
  local work; work=$TOOLS_DIR/.build-$(basename "$out")
  rm -rf "$work"; cp -r "$src" "$work"; chmod -R u+w "$work"
  (
    cd "$work"
    cp vendor.mod go.mod && cp vendor.sum go.sum && rm -rf vendor
    CGO_ENABLED=0 run_logged "$log" go build -mod=mod -v -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out" "$pkg"
  )
  rm -rf "$work"
}

# A Docker engine of nodrop's own, for kind on machines whose Docker cannot
# start privileged containers (Debian's docker.io 20.10 on a host whose root
# lacks CAP_SYS_RESOURCE; fixed in Docker 23) or that have none. Everything
# from the Go module proxy, no cgo (btrfs, quota and nftables fall back to
# their pure-Go paths): dockerd and docker-proxy (github.com/docker/docker;
# moby's v2 module pre-releases need buildkit and swarmkit versions the proxy
# refuses), containerd 2 and its runc shim, and the docker CLI.
install_docker_engine() {
  local dest=$TOOLS_DIR/docker-engine-$DOCKER_ENGINE_VERSION
  if [ -f "$dest/.complete" ]; then ok "docker engine $DOCKER_ENGINE_VERSION, containerd $CONTAINERD_V2_VERSION, docker CLI $DOCKER_CLI_VERSION (cached)"; return; fi
  say "building a Docker engine from the Go module proxy (dockerd $DOCKER_ENGINE_VERSION, containerd $CONTAINERD_V2_VERSION, docker CLI $DOCKER_CLI_VERSION; cold: several minutes on 2 cores)"
  local start; start=$(ts)
  rm -rf "$dest"; mkdir -p "$dest/bin"
  local engine=${DOCKER_ENGINE_VERSION%+incompatible}; engine=${engine#v}
  local cli=${DOCKER_CLI_VERSION%+incompatible}; cli=${cli#v}
  local dv=github.com/docker/docker/dockerversion
  build_vendor_mod_module "$TOOLS_DIR/dockerd-build.log" "github.com/docker/docker@$DOCKER_ENGINE_VERSION" "$dest/bin/dockerd" ./cmd/dockerd \
    "netgo osusergo static_build exclude_graphdriver_btrfs exclude_graphdriver_zfs exclude_disk_quota" \
    "-s -w -X $dv.Version=$engine -X $dv.GitCommit=module-proxy"
  build_vendor_mod_module "$TOOLS_DIR/docker-proxy-build.log" "github.com/docker/docker@$DOCKER_ENGINE_VERSION" "$dest/bin/docker-proxy" ./cmd/docker-proxy "netgo osusergo" "-s -w"
  CGO_ENABLED=0 GOBIN="$dest/bin" run_logged "$TOOLS_DIR/containerd-v2-build.log" go install -v -trimpath \
    -tags "no_btrfs no_devmapper no_zfs no_cri urfave_cli_no_docs" -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_V2_VERSION" \
    "github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_V2_VERSION"
  CGO_ENABLED=0 GOBIN="$dest/bin" run_logged "$TOOLS_DIR/containerd-shim-build.log" go install -v -trimpath \
    -tags "no_grpc" -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_V2_VERSION" \
    "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_V2_VERSION"
  build_vendor_mod_module "$TOOLS_DIR/docker-cli-build.log" "github.com/docker/cli@$DOCKER_CLI_VERSION" "$dest/bin/docker" ./cmd/docker \
    "grpcnotrace" "-s -w -X github.com/docker/cli/cli/version.Version=$cli -X github.com/docker/cli/cli/version.GitCommit=module-proxy"
  "$dest/bin/dockerd" --version | grep -q "$engine" || die "built dockerd reports the wrong version"
  "$dest/bin/docker" --version | grep -q "^Docker version $cli" || die "built docker CLI reports the wrong version"
  "$dest/bin/containerd" --version | grep -q "${CONTAINERD_V2_VERSION}" || die "built containerd reports the wrong version"
  touch "$dest/.complete"
  ok "docker engine built in $(( $(ts) - start )) s"
}

what=${1:-all}
start_all=$(ts)
case $what in
  debian) install_debian ;;
  kubernetes) install_kubernetes ;;
  pause) install_pause ;;
  k6) install_go_tool k6 go.k6.io/k6 "$K6_VERSION" ;;
  kind) install_go_tool kind sigs.k8s.io/kind "$KIND_VERSION" ;;
  kubeadm) install_kubeadm ;;
  nerdctl) install_nerdctl ;;
  docker-engine) install_docker_engine ;;
  helm) install_go_tool helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION" ;;
  browser) install_browser ;;
  # bench/upstream-service.sh's independent clients: httperf (Debian's, C; a
  # new connection per request) and hey (Go; keep-alive).
  clients)
    install_debian_packages $CLIENT_PACKAGES
    install_go_tool hey github.com/rakyll/hey "$HEY_VERSION"
    ;;
  traefik)
    install_go_module_build traefik github.com/traefik/traefik/v3 "$TRAEFIK_VERSION" ./cmd/traefik
    install_gateway_crds
    install_nginx
    install_postgres
    ;;
  nginx) install_nginx ;;
  postgres) install_postgres ;;
  k6-operator) install_k6_operator ;;
  # What provider kind needs on top of `all`: kubeadm/kubectl for the node
  # image, nerdctl for the container engine (see clusters/kind/README.md).
  kind-all)
    install_debian
    install_kubeadm
    install_nerdctl
    ;;
  # The same with nodrop's own Docker engine instead of nerdctl (NODROP_KIND_ENGINE=dockerd).
  kind-docker)
    install_debian
    install_kubeadm
    install_docker_engine
    ;;
  all)
    install_debian
    install_pause
    install_go_tool k6 go.k6.io/k6 "$K6_VERSION"
    install_go_tool kind sigs.k8s.io/kind "$KIND_VERSION"
    install_kubernetes
    ;;
  *) die "unknown target '$what' (allowed: all, kind-all, kind-docker, browser, clients, traefik, nginx, postgres, k6-operator, debian, kubernetes, kubeadm, nerdctl, docker-engine, helm, pause, k6, kind)" ;;
esac
ok "tools ready in $CACHE_DIR ($(( $(ts) - start_all )) s)"
