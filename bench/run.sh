#!/usr/bin/env bash
# Measures what BENCHMARKS.md records: the release WASM bundle (raw and gzipped), the idle RSS
# of a release server on an empty SQLite store, and GET /api/jobs against the raw store query.
# Run from the repository root after `make setup-build setup-test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/jobintel/target}"

RUSTFLAGS="--cfg erase_components" cargo leptos build --release >/dev/null 2>&1
wasm=$(ls target/site/pkg/*.wasm)
echo "wasm bundle: $(stat -c %s "$wasm") bytes raw, $(gzip -9 -c "$wasm" | wc -c) bytes gzipped ($wasm)"
echo "js glue:     $(gzip -9 -c target/site/pkg/jobintel.js | wc -c) bytes gzipped"

data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
JOBINTEL_DATA_DIR="$data" JOBINTEL_ADDR="127.0.0.1:$port" LOG_LEVEL=warn \
  "$CARGO_TARGET_DIR/release/jobintel" serve &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
sleep 5
echo "idle RSS:    $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status) (release server, empty SQLite store, after 5 s idle)"

JOBINTEL_TEST_MONGOD="${JOBINTEL_TEST_MONGOD:-$HOME/.cache/jobintel/mongo-venv/bin/secantusd-py}" \
  cargo bench -p server --bench jobs_list
