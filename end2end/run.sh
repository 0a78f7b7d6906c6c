#!/usr/bin/env bash
# Starts a fresh jobintel (free port, temporary data directory, demo data) and runs the
# Playwright suite against it; stops the server and removes the data whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/jobintel}
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATA=$(mktemp -d)
export JOBINTEL_DATA_DIR="$DATA" JOBINTEL_ADDR="127.0.0.1:$PORT" LOG_LEVEL=warn
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
unset MONGODB_URI JWT_SECRET
"$BIN" seed-demo >/dev/null
printf '%s' 'viewer-password' | "$BIN" user create --username viewer --role viewer --password-stdin >/dev/null
"$BIN" serve >"$DATA/server.log" 2>&1 &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.1
done
cd end2end
if ! BASE_URL="http://127.0.0.1:$PORT" npx playwright test "$@"; then
  echo "--- jobintel log ---"
  tail -n 50 "$DATA/server.log"
  exit 1
fi
