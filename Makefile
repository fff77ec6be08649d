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

node_modules/.modules.yaml: pnpm-lock.yaml package.json */package.json
	pnpm install --frozen-lockfile
	@touch $@

toolchain: $(TOOLS)/bin/node $(TOOLS)/bin/pnpm

# Node from the npm registry's node-linux-<arch> package: a plain binary, no install script.
$(TOOLS)/bin/node: .node-version
	@mkdir -p $(TOOLS)/bin $(TOOLS)/node
	@if [ "$$(command -v node >/dev/null && node -p process.versions.node 2>/dev/null)" = "$(NODE_VERSION)" ] \
	  && [ "$$(command -v node)" != "$@" ]; then \
	  ln -sf "$$(command -v node)" $@; \
	else \
	  echo "fetching Node $(NODE_VERSION) from the npm registry"; \
	  cd $(TOOLS)/node && rm -rf package && npm pack --silent node-$$(uname -s | tr A-Z a-z)-$(ARCH)@$(NODE_VERSION) >/dev/null \
	    && tar xzf node-*.tgz && rm node-*.tgz && ln -sf $(TOOLS)/node/package/bin/node $@; \
	fi
	@$@ --version

$(TOOLS)/bin/pnpm: package.json $(TOOLS)/bin/node
	@mkdir -p $(TOOLS)/pnpm
	@cd $(TOOLS)/pnpm && rm -rf package && npm pack --silent pnpm@$(PNPM_VERSION) >/dev/null && tar xzf pnpm-*.tgz && rm pnpm-*.tgz
	@printf '#!/usr/bin/env bash\nexec "%s" "%s" "$$@"\n' "$(TOOLS)/bin/node" "$(TOOLS)/pnpm/package/bin/pnpm.cjs" > $@
	@chmod +x $@
	@$@ --version
