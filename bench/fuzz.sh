#!/usr/bin/env bash
# Long schemathesis run: a server on a fresh demo city (loopback only), `st run` as admin and as a district
# dispatcher (examples, coverage, fuzzing, stateful), then one JSON summary line: requests, 5xx, failures by check.
#
#   bench/fuzz.sh [--seconds S] [--database sqlite|postgresql] [--port P (default: a free one)] [--cases N] [--workers W] [--keep DIR]
#
# --seconds is the time budget of each role's run (default 300). Reports (schemathesis JSON + NDJSON events, the
# server log) are written under --keep DIR when given, else into a temporary directory that is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

SECONDS_PER_ROLE=300 DATABASE=sqlite PORT="" CASES=2000 WORKERS=2 KEEP=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_PER_ROLE="$2"; shift 2 ;;
    --database) DATABASE="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --cases) CASES="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# A free loopback port unless one is given: a busy port would send the run to someone else's server.
PORT="${PORT:-$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
WORK="${KEEP:-$(mktemp -d -t cityloop-fuzz-XXXXXX)}"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
PG_ADMIN="${CITYLOOP_FUZZ_PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}"
PG_DB="cityloop_fuzz_$$"
SERVER_PID=""

cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [[ "$DATABASE" == postgresql ]]; then psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null || true; fi
  if [[ -z "$KEEP" ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

export CITYLOOP_VAR_DIR="$WORK/var" CITYLOOP_HOST=127.0.0.1 CITYLOOP_PORT="$PORT"
# The run measures answers, not background work: no SLA sweep, no model training between requests.
export CITYLOOP_RUN_SWEEPER=false CITYLOOP_RUN_JOBS=false
if [[ "$DATABASE" == postgresql ]]; then
  psql -q "$PG_ADMIN" -c "CREATE DATABASE $PG_DB" >/dev/null
  export CITYLOOP_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$PG_DB"
else
  export CITYLOOP_DATABASE_URL="sqlite:///$WORK/fuzz.db"
fi

PASSWORD="${CITYLOOP_DEMO_PASSWORD:-cityloop-demo}"
.venv/bin/cityloop db upgrade >/dev/null
.venv/bin/cityloop demo seed --cases "$CASES" >/dev/null
.venv/bin/cityloop users create fuzz_district_dispatcher --password "$PASSWORD" --role dispatcher \
  --scope 330106 >/dev/null

.venv/bin/cityloop serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server did not start; see $WORK/server.log" >&2; exit 1; }
  curl -sf "$BASE/api/v1/health" >/dev/null && break
  sleep 0.5
done

token() {
  curl -sf -d "username=$1" -d "password=$PASSWORD" "$BASE/api/v1/auth/token" \
    | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# Both tokens first: the admin run fuzzes the login too, and may throttle other accounts meanwhile.
declare -A TOKENS=([admin]="$(token admin)" [fuzz_district_dispatcher]="$(token fuzz_district_dispatcher)")
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
for role in admin fuzz_district_dispatcher; do
  # st exits non-zero when it finds failures; the summary below reports them.
  # From the work directory, so schemathesis' .schemathesis/ cache does not land in the repository.
  (cd "$WORK" && "$ROOT/.venv/bin/st" run "$BASE/openapi.json" -H "Authorization: Bearer ${TOKENS[$role]}" \
    --phases examples,coverage,fuzzing,stateful --checks "$CHECKS" --max-time "$SECONDS_PER_ROLE" \
    --workers "$WORKERS" --seed 20261203 --continue-on-failure --suppress-health-check all \
    --report json,ndjson --report-json-path "$WORK/$role.json" --report-ndjson-path "$WORK/$role.ndjson" \
    --no-color >"$WORK/$role.log" 2>&1) || true
done

.venv/bin/python bench/fuzz_summary.py --seconds "$SECONDS_PER_ROLE" --database "$DATABASE" \
  --server-log "$WORK/server.log" "$WORK/admin.ndjson" "$WORK/fuzz_district_dispatcher.ndjson"
