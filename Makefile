# jobintel — the two commands are `make run` and `make test`. Every setup step below is
# idempotent: it checks what is installed and installs only what is missing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CARGO_LEPTOS_VERSION := 0.3.10
# Must equal the wasm-bindgen version pinned in Cargo.toml / Cargo.lock.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/version = "\(.*\)"/\1/p;}' Cargo.lock)
SECANTUSDB_VERSION := 0.7.0b3

CACHE := $(HOME)/.cache/jobintel
# Builds live outside the clone so CI and later checkouts on the same machine reuse them.
export CARGO_TARGET_DIR ?= $(CACHE)/target
# Incremental state is kept per checkout path, so every fresh clone sharing these build dirs
# added gigabytes that nothing reuses (the disk filled up); builds from make skip it.
export CARGO_INCREMENTAL ?= 0
TEST_TARGET_DIR := $(CACHE)/target-test
MONGO_VENV := $(CACHE)/mongo-venv
export JOBINTEL_TEST_MONGOD := $(MONGO_VENV)/bin/secantusd-py
export CHROMIUM_PATH ?= /usr/bin/chromium
# Node tools (wasm-opt from npm's binaryen, Playwright) come first: Debian's wasm-opt is too old.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run test setup-build setup-test build build-release test-rust test-e2e lint fmt clean-data

## run: set up, build (release), load demo data if the store is empty, serve on 127.0.0.1:3000
run: setup-build build-release
	$(CARGO_TARGET_DIR)/release/jobintel seed-demo --if-empty
	@echo "jobintel: http://127.0.0.1:3000  (demo login: demo / jobintel-demo)"
	LEPTOS_SITE_ROOT=target/site $(CARGO_TARGET_DIR)/release/jobintel serve

## test: set up, then run every test: unit, integration, both store backends, end-to-end
test: setup-build setup-test lint test-rust test-e2e
	@echo "make test: all suites passed"

setup-build: end2end/node_modules/.installed
	@command -v cargo >/dev/null || { echo "Rust (cargo) is required: https://rustup.rs"; exit 1; }
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if ! cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)"; then \
		echo "installing cargo-leptos $(CARGO_LEPTOS_VERSION) (one-off, ~20 min on 2 cores)"; \
		cargo install cargo-leptos --locked --version $(CARGO_LEPTOS_VERSION); fi
	@if ! wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)"; then \
		echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (one-off, ~15 min)"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); fi

end2end/node_modules/.installed: end2end/package.json end2end/package-lock.json
	cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	touch $@

setup-test:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils; fi
	@if ! $(MONGO_VENV)/bin/pip show secantusdb 2>/dev/null | grep -q "Version: $(SECANTUSDB_VERSION)"; then \
		python3 -m venv $(MONGO_VENV) && $(MONGO_VENV)/bin/pip install -q 'secantusdb==$(SECANTUSDB_VERSION)'; fi

# `--split` in every build: lazy routes (the CV editor) import their chunk, which only a split
# build provides.
build:
	cargo leptos build --split

# Type-erased Leptos views on both sides (server and browser must agree), and the lazy routes
# (the CV editor) split into their own WASM chunks: keeps the release bundle within its budget
# (BENCHMARKS.md). cargo-leptos already builds debug with erased views.
build-release:
	RUSTFLAGS="--cfg erase_components" cargo leptos build --release --split

lint:
	cargo fmt --all -- --check
	CARGO_TARGET_DIR=$(TEST_TARGET_DIR) cargo clippy -p server --all-targets -- -D warnings
	CARGO_TARGET_DIR=$(TEST_TARGET_DIR) cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

## Unit and integration tests, including the store contract suite on SQLite and on the
## MongoDB-wire server (started by the test harness on a free port).
test-rust:
	CARGO_TARGET_DIR=$(TEST_TARGET_DIR) cargo test -p app --features ssr
	CARGO_TARGET_DIR=$(TEST_TARGET_DIR) cargo test -p server
	scripts/prune-builds.py $(TEST_TARGET_DIR)/debug/deps $(CARGO_TARGET_DIR)/debug/deps

## End-to-end: a fresh jobintel on a free port with a temporary data directory, Playwright
## driving Debian's Chromium, every spec hydrated and with JavaScript disabled.
test-e2e: build
	BIN=$(CARGO_TARGET_DIR)/debug/jobintel end2end/run.sh

fmt:
	cargo fmt --all

clean-data:
	rm -rf data
