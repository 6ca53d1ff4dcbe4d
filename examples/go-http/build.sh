#!/bin/sh
# Builds the service as a static binary and packs it into an OCI image
# archive with nodrop's own code (no Docker, no base image, nothing pulled).
set -eu
cd "$(dirname "$0")"
mkdir -p .build
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS=-mod=mod GOTOOLCHAIN=local \
  go build -trimpath -ldflags='-s -w' -o .build/server .
# nodrop as installed (npm install -g of npm pack's tarball), else the clone this
# example sits in (npx finds its package by walking up; nothing is downloaded).
if command -v nodrop >/dev/null 2>&1; then
  set -- nodrop
elif grep -qs '"name": "nodrop"' ../../package.json; then
  set -- npx --no -- nodrop
else
  echo "build.sh: no nodrop command: install it (npm pack in a clone, then npm install -g nodrop-*.tgz)" >&2
  exit 2
fi
"$@" image pack .build/server --name nodrop.example/go-http:1.0 --out .build/image.tar --port 8080
