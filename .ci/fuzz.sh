#!/usr/bin/env bash
# Fuzz the contract: schemathesis (pinned in .ci/requirements.txt) against
# the release build's own /openapi.json on `serve --demo`, on a fresh SQLite
# file and on a fresh PostgreSQL schema, once anonymous and once with each
# role's demo token: every check, every phase (examples, coverage, fuzzing,
# stateful), a fixed seed. A fresh demo for each run, so each run is
# reproducible alone. Prints each run's summary; exits non-zero on any
# failure.
#
#   bash .ci/fuzz.sh                     # all 10 runs
#   FUZZ_BACKENDS=sqlite FUZZ_CALLERS="anonymous PARTNER" FUZZ_MAX_EXAMPLES=5 \
#   FUZZ_BIN=target/debug/samverkan bash .ci/fuzz.sh   # a quick subset
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-5}"
SEED="${FUZZ_SEED:-20261129}"
BACKENDS="${FUZZ_BACKENDS:-sqlite postgres}"
# anonymous, then the demo's token variables (src/demo.rs): city_admin,
# city_staff (Västra Göteborg), partner (Reningsborg), integration.
CALLERS="${FUZZ_CALLERS:-anonymous ADMIN STAFF PARTNER INTEGRATION}"
PG_URL="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/test}"
OUT="${FUZZ_OUT:-/tmp/samverkan-fuzz}"

log() { printf '\n== %s\n' "$*"; }

if [ -z "${FUZZ_BIN:-}" ]; then
    log "cargo build --release --locked"
    cargo build --release --locked -q
    BIN="$ROOT/target/release/samverkan"
else
    BIN="$(cd "$(dirname "$FUZZ_BIN")" && pwd)/$(basename "$FUZZ_BIN")"
fi

if [ ! -x .ci/venv/bin/schemathesis ]; then
    log "Python virtualenv .ci/venv (PyPI, pinned in .ci/requirements.txt)"
    [ -x .ci/venv/bin/python ] || python3 -m venv .ci/venv
    .ci/venv/bin/pip install -q --disable-pip-version-check -r .ci/requirements.txt
fi
ST="$ROOT/.ci/venv/bin/schemathesis"
PY="$ROOT/.ci/venv/bin/python"

rm -rf "$OUT" && mkdir -p "$OUT"
free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

SERVER_PID=""
SCHEMA=""
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
    if [ -n "$SCHEMA" ]; then
        psql "$PG_URL" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $SCHEMA CASCADE" || true
        SCHEMA=""
    fi
}
trap stop_server EXIT

# Starts a fresh demo on $1 (sqlite | postgres); sets BASE and the demo's
# export variables (ADMIN, STAFF, PARTNER, INTEGRATION, ...).
start_demo() {
    local backend="$1" name="$2" port dir
    port="$(free_port)"
    dir="$(mktemp -d)"
    local args=(serve --demo)
    if [ "$backend" = postgres ]; then
        SCHEMA="ci_fuzz_$$_${name}"
        psql "$PG_URL" -qc "CREATE SCHEMA $SCHEMA"
        local sep='?'
        case "$PG_URL" in *\?*) sep='&' ;; esac
        args+=(--demo-database "${PG_URL}${sep}options=-c%20search_path%3D$SCHEMA")
    fi
    (cd "$dir" && SAMVERKAN_BIND="127.0.0.1:$port" SAMVERKAN_LOG_FORMAT=json \
        exec "$BIN" "${args[@]}" >"$OUT/$backend-$name.server.out" 2>"$OUT/$backend-$name.server.log") &
    SERVER_PID=$!
    BASE="http://127.0.0.1:$port"
    for _ in $(seq 1 300); do
        if grep -q "^export INTEGRATION=" "$OUT/$backend-$name.server.out" 2>/dev/null &&
            "$PY" -c "import urllib.request; urllib.request.urlopen('$BASE/readyz')" 2>/dev/null; then
            eval "$(grep '^export ' "$OUT/$backend-$name.server.out")"
            return 0
        fi
        sleep 0.2
    done
    echo "the demo server did not start; its log:"
    cat "$OUT/$backend-$name.server.log"
    return 1
}

failed=()
summaries=()
start_all="$(date +%s)"
for backend in $BACKENDS; do
    for caller in $CALLERS; do
        name="$(echo "$caller" | tr 'A-Z' 'a-z')"
        log "schemathesis: $backend, $name"
        start_demo "$backend" "$name"
        # The token goes to the spec's security scheme (not a blanket -H
        # header), so the coverage phase's "missing Authorization" cases
        # really go without it and must get 401.
        config="$OUT/$backend-$name.toml"
        cp "$ROOT/.ci/schemathesis.toml" "$config"
        if [ "$caller" != anonymous ]; then
            printf '\n[auth.openapi.bearer]\nbearer = "%s"\n' "${!caller}" >>"$config"
        fi
        started="$(date +%s)"
        rc=0
        # From $OUT, where schemathesis keeps its replay files (.schemathesis/).
        (cd "$OUT" && SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH="$ROOT/.ci" \
            "$ST" --config-file "$config" run "$BASE/openapi.json" \
            --checks all \
            --phases examples,coverage,fuzzing,stateful \
            --max-examples "$MAX_EXAMPLES" \
            --seed "$SEED" \
            --generation-database none \
            --workers 1 \
            --request-timeout 30 \
            --no-color \
            --report junit --report-junit-path "$OUT/$backend-$name.junit.xml" \
            >"$OUT/$backend-$name.log" 2>&1) || rc=$?
        seconds=$(($(date +%s) - started))
        # The summary: schemathesis' closing section.
        awk '/^=+ SUMMARY =+$/ { p = 1 } p' "$OUT/$backend-$name.log"
        if [ "$rc" != 0 ]; then
            failed+=("$backend/$name")
            echo "--- failures ($OUT/$backend-$name.log):"
            awk '/^=+ FAILURES =+$/ { p = 1 } /^=+ SUMMARY =+$/ { p = 0 } p' "$OUT/$backend-$name.log" | head -n 200
        fi
        summaries+=("$backend $name: exit $rc in ${seconds}s")
        stop_server
    done
done

log "fuzz summary ($(($(date +%s) - start_all)) s, max-examples $MAX_EXAMPLES, seed $SEED)"
printf '%s\n' "${summaries[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "schemathesis failed: ${failed[*]} (logs in $OUT)"
    exit 1
fi
echo "schemathesis: ${#summaries[@]} runs, 0 failures"
