#!/usr/bin/env bash
# List benchmark of the release build on SQLite and PostgreSQL: every list
# endpoint at limit=50 and limit=500, with the SQL statements each request
# made (issue #9: statements per list request constant in the page size; a
# page of 500 partnerships, events or applications with their children under
# 50 ms p99 at 8 connections).
#
#   benches/lists.sh
#
# For each backend: start `samverkan serve` with SAMVERKAN_COUNT_STATEMENTS=true
# on a free loopback port, seed it through the API (benches/seed_lists.py:
# BENCH_LIST_COUNT of every kind, each with children), read the
# X-Statement-Count of each list once, then run wrk against it. Prints a
# Markdown table and writes it, with the date, the machine and the command,
# as the "## Lists" section of benches/results.md (benches/run.sh keeps it).
#
# Needs: cargo, python3, wrk; for PostgreSQL psql + pg_isready with a server
# on 127.0.0.1:5432 accepting the `postgres` user without a password.
#
# Knobs (environment; the defaults are what results.md reports):
#   BENCH_LIST_COUNT=600  BENCH_THREADS=2  BENCH_LIST_CONNECTIONS=8
#   BENCH_DURATION=10s  BENCH_WARMUP=2s  BENCH_LOAD_THREADS=8
#   BENCH_PG_HOST=127.0.0.1  BENCH_PG_PORT=5432  BENCH_PG_USER=postgres
#   BENCH_PG_DB=samverkan_bench_lists  BENCH_BACKENDS="sqlite postgres"
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="$REPO/benches"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
BIN="$TARGET_DIR/release/samverkan"

COUNT="${BENCH_LIST_COUNT:-600}"
WRK_THREADS="${BENCH_THREADS:-2}"
WRK_CONNECTIONS="${BENCH_LIST_CONNECTIONS:-8}"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
LOAD_THREADS="${BENCH_LOAD_THREADS:-8}"
PG_HOST="${BENCH_PG_HOST:-127.0.0.1}"
PG_PORT="${BENCH_PG_PORT:-5432}"
PG_USER="${BENCH_PG_USER:-postgres}"
PG_DB="${BENCH_PG_DB:-samverkan_bench_lists}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"

COMMAND="benches/lists.sh${*:+ $*}"
for knob in BENCH_LIST_COUNT BENCH_THREADS BENCH_LIST_CONNECTIONS BENCH_DURATION BENCH_WARMUP \
    BENCH_LOAD_THREADS BENCH_BACKENDS CARGO_TARGET_DIR; do
    if [[ -n "${!knob:-}" ]]; then COMMAND="$knob=${!knob} $COMMAND"; fi
done

WORK="$(mktemp -d /tmp/samverkan-lists.XXXXXX)"
SERVER_PID=""
PG_CREATED=""
# log, die, stop_server, drop_pg and the EXIT trap that calls them.
# shellcheck source=benches/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v wrk >/dev/null 2>&1 || die "wrk is not installed (apt-get install wrk)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed"

log "building the release binary (target dir: $TARGET_DIR)"
(cd "$REPO" && cargo build --release)
[[ -x "$BIN" ]] || die "no binary at $BIN"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# probe PATH TOKEN: "status statements items" of one GET.
probe() {
    python3 - "$PORT" "$1" "$2" <<'EOF'
import http.client, json, sys
port, path, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
headers = {"Authorization": f"Bearer {token}"} if token else {}
try:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers=headers)
    r = c.getresponse()
    body = r.read()
    items = len(json.loads(body).get("items", [])) if r.status == 200 else 0
    print(r.status, r.getheader("X-Statement-Count", "-"), items)
except OSError:
    print(0, "-", 0)
EOF
}

start_server() {
    local url="$1"
    PORT="$(free_port)"
    SERVER_ENV=(
        "SAMVERKAN_DATABASE_URL=$url"
        "SAMVERKAN_BIND=127.0.0.1:$PORT"
        "SAMVERKAN_PUBLIC_URL=http://127.0.0.1:$PORT"
        "SAMVERKAN_JWT_HS256_SECRET=$SECRET"
        "SAMVERKAN_COUNT_STATEMENTS=true"
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
        if [[ "$(probe /readyz "" | cut -d' ' -f1)" == 200 ]]; then
            return 0
        fi
        sleep 0.1
    done
    cat "$SERVER_LOG" >&2
    die "the server did not become ready within 30 s"
}

# run_list NAME PATH TOKEN: statements, then wrk; appends a row.
run_list() {
    local name="$1" path="$2" token="$3"
    local url="http://127.0.0.1:$PORT$path"
    local status statements items
    read -r status statements items < <(probe "$path" "$token")
    [[ "$status" == 200 ]] || die "GET $path answered $status"
    local args=(-t"$WRK_THREADS" -c"$WRK_CONNECTIONS" --latency)
    if [[ -n "$token" ]]; then args+=(-H "Authorization: Bearer $token"); fi
    timeout 120 wrk "${args[@]}" -d"$WARMUP" "$url" >/dev/null
    local out="$WORK/wrk-$BACKEND-$(echo "$name" | tr -c 'a-z0-9' '-').txt"
    log "$BACKEND $name: $items items, $statements statements; wrk -d$DURATION $path"
    timeout 300 wrk "${args[@]}" -d"$DURATION" "$url" >"$out"
    local rps p50 p99 non2xx
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50="$(awk '/Latency Distribution/ {d=1} d && $1=="50%" {print $2; exit}' "$out")"
    p99="$(awk '/Latency Distribution/ {d=1} d && $1=="99%" {print $2; exit}' "$out")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"
    [[ -n "$rps" && -n "$p50" && -n "$p99" ]] || die "could not read wrk's output for $name"
    [[ -z "$non2xx" ]] || NOTES+=("$BACKEND $name: $non2xx non-2xx responses")
    ROWS+=("| $BACKEND | $name | $items | $statements | $(printf '%.0f' "$rps") | $p50 | $p99 |")
}

bench_backend() {
    BACKEND="$1"
    local url="$2"
    log "$BACKEND: starting the server"
    start_server "$url"
    log "$BACKEND: seeding $COUNT of every kind over $LOAD_THREADS connections"
    local seed
    seed="$(timeout 3600 python3 "$BENCH_DIR/seed_lists.py" --port "$PORT" --secret "$SECRET" \
        --count "$COUNT" --threads "$LOAD_THREADS")" \
        || { tail -n 20 "$SERVER_LOG" >&2; die "$BACKEND: seeding failed"; }
    local seconds requests held partnership application org unit
    read -r seconds requests held partnership application org unit < <(python3 -c \
        'import json, sys; d = json.loads(sys.argv[1]); print(d["seconds"], d["requests"], d["held_event"], d["partnership"], d["application"], d["application_org"], d["unit"])' \
        "$seed")
    log "$BACKEND: seeded with $requests requests in $seconds s"
    if [[ "$BACKEND" == postgres ]]; then
        # Statistics for the planner, as autovacuum gathers them on a live
        # database; without them it plans the freshly seeded tables blind.
        timeout 120 psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -qAt -c "ANALYZE" >/dev/null
    fi
    SEEDS+=("| $BACKEND | $COUNT | $requests | $seconds s |")
    local staff
    staff="$(env "${SERVER_ENV[@]}" "$BIN" token --role city_staff --unit "$unit" --ttl 2h)"
    for limit in 50 500; do
        run_list "organisations, limit=$limit" "/api/v1/organisations?limit=$limit" "$staff"
        run_list "city units, limit=$limit" "/api/v1/city-units?limit=$limit" "$staff"
        run_list "partnerships, limit=$limit" "/api/v1/partnerships?limit=$limit" "$staff"
        run_list "grant programmes, limit=$limit" "/api/v1/grant-programmes?limit=$limit" "$staff"
        run_list "grant applications, limit=$limit" "/api/v1/grant-applications?limit=$limit" "$staff"
        run_list "dialogue events, limit=$limit" "/api/v1/dialogue-events?limit=$limit" "$staff"
        run_list "event outcomes, limit=$limit" "/api/v1/dialogue-events/$held/outcomes?limit=$limit" "$staff"
    done
    stop_server
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
SECRET="bench-$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
ROWS=()
SEEDS=()
NOTES=()

for backend in $BACKENDS; do
    case "$backend" in
        sqlite)
            bench_backend sqlite "sqlite://$WORK/bench.db"
            ;;
        postgres)
            if ! command -v psql >/dev/null 2>&1 \
                || ! timeout 10 pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER"; then
                log "postgres: skipped (no psql, or no server on $PG_HOST:$PG_PORT)"
                NOTES+=("postgres: skipped, no psql or no server on $PG_HOST:$PG_PORT")
                continue
            fi
            PG_CREATED=1
            timeout 30 psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qAt -v ON_ERROR_STOP=1 \
                -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" \
                -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
            bench_backend postgres "postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
            drop_pg
            ;;
        *) die "unknown backend $backend (sqlite or postgres)" ;;
    esac
done

CPU="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
COMMIT="$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(cd "$REPO" && git status --porcelain -- src Cargo.toml Cargo.lock migrations 2>/dev/null)" ]]; then
    COMMIT="$COMMIT (with uncommitted changes in src/)"
fi

TABLE="$(
    echo "| backend | list | items | statements | requests/s | p50 | p99 |"
    echo "|---|---|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
)"
SECTION="$(
    echo "## Lists"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) cores, ${CPU:-unknown CPU}, $(uname -sr)"
    echo "- commit: $COMMIT, release build"
    echo "- command: \`$COMMAND\` (from the repository root)"
    echo "- wrk: \`wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$DURATION --latency -H 'Authorization: Bearer <city_staff token>' <url>\` after a $WARMUP warm-up"
    echo "- data: $COUNT each of city units, organisations, partnerships (2 parties, 2 funding lines), grant programmes (budget, round), grant applications (granted, 2 payments), dialogue events (half open with 2 registrations, half held with attendance), and $COUNT outcomes on one held event linked to a partnership and an application; seeded through the API (benches/seed_lists.py); on PostgreSQL \`ANALYZE\` after seeding"
    echo "- statements: \`X-Statement-Count\` of one request (\`SAMVERKAN_COUNT_STATEMENTS=true\`, on for the whole run)"
    echo "- load average (1/5/15 min) before the runs: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- server: default settings (one HTTP worker per core, pool of 16 on SQLite, 8 on PostgreSQL), \`RUST_LOG=warn\`; wrk, the server and (for PostgreSQL) the database share the same cores"
    echo
    echo "$TABLE"
    echo
    echo "Seeding:"
    echo
    echo "| backend | of each kind | requests | time |"
    echo "|---|---:|---:|---:|"
    printf '%s\n' "${SEEDS[@]}"
    if ((${#NOTES[@]})); then
        echo
        echo "Notes:"
        echo
        for n in "${NOTES[@]}"; do echo "- $n"; done
    fi
)"

echo
echo "$TABLE"
# Replace the "## Lists" section of results.md (or add it at the end).
RESULTS="$BENCH_DIR/results.md"
touch "$RESULTS"
python3 - "$RESULTS" "$SECTION" <<'EOF'
import sys
path, section = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
start = text.find("\n## Lists\n")
head = text if start < 0 else text[:start]
open(path, "w", encoding="utf-8").write(head.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n")
EOF
log "wrote the Lists section of $RESULTS"
