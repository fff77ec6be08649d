# The two commands: `make dev` starts the whole stack, `make test` runs every test.
# Both first bring a pinned Node and pnpm into .tools/ from the npm registry when the
# machine's own are missing or older, so a fresh clone needs only make, bash and npm.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

NODE_VERSION := $(shell cat .node-version)
PNPM_VERSION := $(shell sed -n 's/.*"packageManager": "pnpm@\([^"]*\)".*/\1/p' package.json)
TOOLS := $(CURDIR)/.tools
export PATH := $(TOOLS)/bin:$(PATH)
ARCH := $(subst aarch64,arm64,$(subst x86_64,x64,$(shell uname -m)))

.PHONY: help dev test bench install toolchain

help:
	@echo "make dev    install everything and start the whole stack locally"
	@echo "make test   run the whole test suite"
	@echo "make bench  run the benchmarks and print their tables"

dev: install
	pnpm dev

test: install
	pnpm test

bench: install
	pnpm bench

install: toolchain node_modules/.modules.yaml

node_modules/.modules.yaml: pnpm-lock.yaml package.json $(wildcard */package.json test/*/package.json)
	pnpm install --frozen-lockfile
	@touch $@

# Stamps named after the versions: a version bump in .node-version or package.json refetches.
NODE_STAMP := $(TOOLS)/node/.v$(NODE_VERSION)
PNPM_STAMP := $(TOOLS)/pnpm/.v$(PNPM_VERSION)

toolchain: $(NODE_STAMP) $(PNPM_STAMP)

# Node from the npm registry's node-linux-<arch> package: a plain binary, no install script.
$(NODE_STAMP):
	@mkdir -p $(TOOLS)/bin $(TOOLS)/node && rm -f $(TOOLS)/node/.v*
	@if [ "$$(command -v node >/dev/null && node -p process.versions.node 2>/dev/null)" = "$(NODE_VERSION)" ] \
	  && [ "$$(command -v node)" != "$(TOOLS)/bin/node" ]; then \
	  ln -sf "$$(command -v node)" $(TOOLS)/bin/node; \
	else \
	  echo "fetching Node $(NODE_VERSION) from the npm registry"; \
	  cd $(TOOLS)/node && rm -rf package && npm pack --silent node-$$(uname -s | tr A-Z a-z)-$(ARCH)@$(NODE_VERSION) >/dev/null \
	    && tar xzf node-*.tgz && rm node-*.tgz && ln -sf $(TOOLS)/node/package/bin/node $(TOOLS)/bin/node; \
	fi
	@$(TOOLS)/bin/node --version && touch $@

$(PNPM_STAMP): $(NODE_STAMP)
	@mkdir -p $(TOOLS)/pnpm && rm -f $(TOOLS)/pnpm/.v*
	@cd $(TOOLS)/pnpm && rm -rf package && npm pack --silent pnpm@$(PNPM_VERSION) >/dev/null && tar xzf pnpm-*.tgz && rm pnpm-*.tgz
	@printf '#!/usr/bin/env bash\nexec "%s" "%s" "$$@"\n' "$(TOOLS)/bin/node" "$(TOOLS)/pnpm/package/bin/pnpm.cjs" > $(TOOLS)/bin/pnpm
	@chmod +x $(TOOLS)/bin/pnpm
	@$(TOOLS)/bin/pnpm --version && touch $@
