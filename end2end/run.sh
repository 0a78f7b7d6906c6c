#!/usr/bin/env bash
# Starts a fresh jobintel (free port, temporary data directory, demo data) and runs the
# Playwright suite against it; stops the server and removes the data whatever happens. A second
# jobintel, whose model is a local lying fake (`fakes/lying-llm.py`), serves `gate.spec.ts`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/jobintel}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
LIAR_PORT=$(free_port)
LLM_PORT=$(free_port)
DATA=$(mktemp -d)
LIAR_DATA=$(mktemp -d)
# Imports may fetch from this machine: the import spec serves its posting page locally.
export JOBINTEL_DATA_DIR="$DATA" JOBINTEL_ADDR="127.0.0.1:$PORT" LOG_LEVEL=warn IMPORT_ALLOW_HOSTS=127.0.0.1
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
unset MONGODB_URI JWT_SECRET
"$BIN" seed-demo >/dev/null
printf '%s' 'viewer-password' | "$BIN" user create --username viewer --role viewer --password-stdin >/dev/null
"$BIN" serve >"$DATA/server.log" 2>&1 &
PIDS=("$!")
python3 end2end/fakes/lying-llm.py "$LLM_PORT" &
PIDS+=("$!")
JOBINTEL_DATA_DIR="$LIAR_DATA" "$BIN" seed-demo >/dev/null
JOBINTEL_DATA_DIR="$LIAR_DATA" JOBINTEL_ADDR="127.0.0.1:$LIAR_PORT" \
  OPENAI_API_KEY=sk-e2e-fake OPENAI_BASE_URL="http://127.0.0.1:$LLM_PORT/v1" \
  LLM_MODELS_FILE="$PWD/end2end/fakes/llm-models.json" \
  "$BIN" serve >"$LIAR_DATA/server.log" 2>&1 &
PIDS+=("$!")
cleanup() {
  kill "${PIDS[@]}" 2>/dev/null || true
  wait "${PIDS[@]}" 2>/dev/null || true
  rm -rf "$DATA" "$LIAR_DATA"
}
trap cleanup EXIT
for port in "$PORT" "$LIAR_PORT"; do
  for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
done
cd end2end
if ! BASE_URL="http://127.0.0.1:$PORT" LIAR_URL="http://127.0.0.1:$LIAR_PORT" \
  npx playwright test "$@"; then
  echo "--- jobintel log ---"
  tail -n 50 "$DATA/server.log"
  echo "--- jobintel (lying model) log ---"
  tail -n 20 "$LIAR_DATA/server.log"
  exit 1
fi
