# Telecast: Telegram channels -> two-host podcast episodes, on AWS or on the embedded local stack.
# Every target installs what it needs first, so a fresh clone needs only `make demo` or `make test`.

# Node 22 comes from the npm `node` package in devDependencies: the machine's system Node may be older, and
# Lambda runs nodejs22.x. Putting node_modules/.bin first on PATH makes `node` here that pinned version.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
ENV      ?= dev
TF_ENV_DIR = terraform/envs/$(ENV)

.PHONY: help install browser ffmpeg build typecheck test test-unit demo dev dev-fresh chaos bench clean \
        fmt plan deploy destroy

help:
	@echo "make demo        run the whole pipeline once on the embedded local stack (no AWS account)"
	@echo "make dev         keep the local stack running until Ctrl-C, printing endpoints for the CLI (data kept in .local/data)"
	@echo "make dev-fresh   the same, starting with no data"
	@echo "make test        typecheck, build, and run unit, integration, end-to-end and Terraform tests"
	@echo "make bench       print cold-start, generation and throughput figures"
	@echo "make chaos       the pipeline on the local stack under injected faults, with a report"
	@echo "make plan|deploy|destroy ENV=dev   Terraform for one environment (AWS credentials needed)"

# ---- dependencies ---------------------------------------------------------------------------------------------
# The stamp is npm's own lock copy: reinstall only when package-lock.json changes.
node_modules/.package-lock.json: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json

# The admin page's browser tests drive Debian's Chromium with playwright-core (`npx playwright install` needs a
# download this project does not rely on). Installed once, as root; otherwise say how.
CHROMIUM ?= /usr/bin/chromium
browser:
	@[ -x $(CHROMIUM) ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  { echo "$(CHROMIUM) is missing: apt-get install chromium (as root) for the admin page's browser tests"; exit 1; }

# The MP3 tests decode the encoder's output with Debian's ffmpeg and ffprobe, a reference decoder independent of LAME.
ffmpeg:
	@command -v ffprobe >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null; } || \
	  { echo "ffmpeg is missing: apt-get install ffmpeg (as root) for the MP3 decoding tests"; exit 1; }

# ---- build ----------------------------------------------------------------------------------------------------
# The contract validators are compiled from the schemas first (scripts/generate-validators.ts); the steps live in
# package.json's build script alone, so `make build` and `npm run build` cannot drift apart.
build: install
	npm run build

typecheck: install
	tsc --noEmit

# ---- test -----------------------------------------------------------------------------------------------------
# Tests import the built bundles (what Lambda runs), so build first.
test: install browser ffmpeg typecheck build
	mocha

test-unit: install
	mocha 'test/unit/**/*.test.ts'

# ---- local stack ----------------------------------------------------------------------------------------------
demo: install build
	node --import tsx src/local/demo.ts

# make dev keeps the emulators' data in .local/data across restarts; dev-fresh empties it first. make demo always
# starts empty (in memory).
dev: install build
	node --import tsx src/local/dev.ts

dev-fresh:
	rm -rf .local/data
	$(MAKE) dev

# Chaos on the local stack: more podcasts and faults than the chaos test in `make test`; prints what was injected and
# every promise it found broken (exit 1 if any). CHAOS_ARGS="--podcasts 10 --rate 0.2 --seed 5" to change it.
chaos: install build
	node --import tsx src/local/chaos.ts $(CHAOS_ARGS)

# The cold-start baseline is Debian's python3-boto3 (what the original Python Lambdas imported); the intelligibility
# bench transcribes each offline voice with Debian's pocketsphinx (en-us model) after sox resamples it.
bench: install build
	@/usr/bin/python3 -c 'import boto3' 2>/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-boto3 >/dev/null; } || \
	  echo "python3-boto3 is not installed: the boto3 baseline will be missing"
	@{ command -v pocketsphinx_continuous && command -v sox; } >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pocketsphinx pocketsphinx-en-us sox >/dev/null; } || \
	  echo "pocketsphinx or sox is not installed: the intelligibility bench will be skipped"
	node --import tsx bench/run.ts

clean:
	rm -rf dist out .local

# ---- terraform ------------------------------------------------------------------------------------------------
fmt:
	terraform fmt -recursive terraform

plan: build
	scripts/terraform.sh plan $(ENV)

deploy: build
	scripts/terraform.sh apply $(ENV)

# Terraform hashes the zips even to destroy, so they must exist.
destroy: build
	scripts/terraform.sh destroy $(ENV)
