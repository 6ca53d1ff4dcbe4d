#!/bin/sh
# Builds the service as a static binary and packs it into an OCI image
# archive with nodrop's own code (no Docker, no base image, nothing pulled).
set -eu
cd "$(dirname "$0")"
mkdir -p .build
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS=-mod=mod GOTOOLCHAIN=local \
  go build -trimpath -ldflags='-s -w' -o .build/server .
node ../../bin/nodrop.mjs image pack .build/server --name nodrop.example/go-http:1.0 --out .build/image.tar --port 8080
