# nodrop — every target installs what it needs first (tools are cached by version).
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODROP := node bin/nodrop.mjs

.PHONY: help tools tools-ci tools-kind tools-docker tools-browser tools-ingress tools-operator tools-apps deps cluster-up cluster-down cluster-status demo run test test-unit test-e2e test-kind test-kind-nerdctl typecheck docs bench clean

help:
	@echo "make demo          the preStop demo: variant A (no preStop) fails, variant B (preStop sleep) passes"
	@echo "make test          typecheck + unit tests + e2e tests on a real local cluster, then on a real kind cluster"
	@echo "make tools         build/install pinned tools (cached by version)"
	@echo "make cluster-up    bring up the local cluster;  make cluster-down  tear it down"
	@echo "make run ARGS='--set strategy=canary'   one run"
	@echo "make bench         print measured timings"

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

tools:
	@bash clusters/tools/install.sh all

# What provider kind needs on top: kubeadm + kubectl (node image), nerdctl.
tools-kind: tools
	@bash clusters/tools/install.sh kind-all

# What a CI runner with Docker needs for --provider kind (examples/ci/nightly.yml):
# k6 and kind, nothing else (the stock kind node image comes through Docker).
tools-ci:
	@bash clusters/tools/install.sh k6
	@bash clusters/tools/install.sh kind

# kind on nodrop's own Docker engine (NODROP_KIND_ENGINE=dockerd): kubeadm + kubectl,
# dockerd, containerd 2 and the docker CLI built from their Go modules.
tools-docker: tools
	@bash clusters/tools/install.sh kind-docker

# The ingress controllers for path=ingress: Traefik from its pinned Go module (~5 min
# cold; cached) and Debian's nginx, unpacked (seconds); and Debian's PostgreSQL for
# database / migration runs, unpacked (seconds). A run takes each on first use too.
tools-ingress:
	@bash clusters/tools/install.sh traefik

# load=operator: Grafana's k6-operator built from its pinned Go module (~2 min
# cold; cached) with its CRDs, and Debian's busybox-static and curl for the
# runner and starter images. A run takes them on first use too.
tools-operator:
	@bash clusters/tools/install.sh k6-operator

# --app with a Helm chart or a kustomize overlay: Helm and kubectl from their
# pinned Go modules (~3 and ~2 min cold; cached). A run builds them on first use too.
tools-apps:
	@bash clusters/tools/install.sh helm
	@bash clusters/tools/install.sh kubeadm

# Debian's chromium, for the e2e test that opens the reports in a headless browser.
tools-browser:
	@bash clusters/tools/install.sh browser

cluster-up: tools deps
	$(NODROP) cluster up

cluster-down: deps
	$(NODROP) cluster down

cluster-status: deps
	$(NODROP) cluster status

# make demo PROVIDER=kind runs it on a kind cluster (default: the local cluster).
PROVIDER ?= local
# Only what the provider needs: the local cluster's tools (make tools); for
# kind, the engine NODROP_KIND_ENGINE names, and by default (auto) this
# machine's Docker when `docker info` answers — then k6 and kind alone, the
# stock node image coming through Docker — else nerdctl and the offline node
# image's tools.
DOCKER_ANSWERS = $(shell docker info >/dev/null 2>&1 && echo yes)
KIND_TOOLS = $(if $(filter dockerd,$(NODROP_KIND_ENGINE)),tools-docker,$(if $(filter nerdctl,$(NODROP_KIND_ENGINE)),tools-kind,$(if $(filter docker,$(NODROP_KIND_ENGINE))$(DOCKER_ANSWERS),tools-ci,tools-kind)))
demo: deps $(if $(filter kind,$(PROVIDER)),$(KIND_TOOLS),tools)
	$(NODROP) demo --set provider=$(PROVIDER)

run: tools deps
	$(NODROP) run $(ARGS)

# The files generated from the config schema: docs/schema/*.schema.json and the
# reference table in docs/configuration.md (a unit test fails when they are stale).
docs: deps
	npx tsx harness/gen-docs.ts

typecheck: deps
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p scenarios/tsconfig.json --noEmit

# Each vitest run also writes a JSON report (reports/runs/vitest-*.json) that
# .ci/run sums into one "N passed, N failed" line.
VITEST_REPORT = --reporter=default --reporter=json --outputFile.json=reports/runs/vitest-$(1).json

test-unit: tools deps
	npx vitest run --project unit $(call VITEST_REPORT,unit)

# The e2e project brings up the local cluster (or reuses a running one) and
# tears it down when it created it.
test-e2e: tools tools-browser tools-ingress tools-operator tools-apps deps
	npx vitest run --project e2e $(call VITEST_REPORT,e2e)

# kind on a real Docker engine — the path users take — nodrop's own here
# (dockerd + containerd 2 built from their Go modules, ~4 min cold; cached;
# its own socket and state dir), with the offline node image (built on first
# use, ~2.5 min; cached), on one 3-node cluster. Run it with no local cluster
# up: the two never run at once (test-e2e tears its cluster down before this
# starts). The same suite on the nerdctl engine: make test-kind-nerdctl.
test-kind: tools-docker deps
	NODROP_KIND_ENGINE=dockerd npx vitest run --project kind $(call VITEST_REPORT,kind)

test-kind-nerdctl: tools-kind deps
	NODROP_KIND_ENGINE=nerdctl npx vitest run --project kind $(call VITEST_REPORT,kind)

test: typecheck test-unit test-e2e test-kind

bench: tools deps
	npx tsx bench/tools.ts --warm-only
	npx tsx bench/cluster-up.ts

clean: deps
	-$(NODROP) cluster down
	rm -rf reports/runs .nodrop
