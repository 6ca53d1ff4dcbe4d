#!/usr/bin/env bash
# Times .ci/run as on a fresh machine: a fresh clone of this repository, with
# nodrop's tool cache, Go's build and module caches and npm's cache pointed at
# empty folders (Debian's packages, if installed, stay). Prints the total.
# Usage: bash bench/cold-ci.sh [CACHE_ROOT]   (default: a new folder under /var/tmp;
# it holds ~7 GB afterwards: remove it when done)
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=${1:-$(mktemp -d /var/tmp/nodrop-cold-XXXXXX)}
mkdir -p "$root"
if [ -n "$(ls -A "$root")" ]; then echo "cold-ci: $root is not empty (the caches must start empty)" >&2; exit 2; fi
export NODROP_CACHE_DIR=$root/nodrop GOCACHE=$root/go-build GOMODCACHE=$root/gomod npm_config_cache=$root/npm
d=$(mktemp -d) && git clone -q "$repo" "$d" && cd "$d" || exit 2
echo "cold-ci: clone $d at $(git log --oneline -1 | cut -c1-60); caches in $root"
start=$(date +%s)
CI=true bash .ci/run
rc=$?
echo "cold CI: exit $rc after $(( $(date +%s) - start )) s"
exit $rc
