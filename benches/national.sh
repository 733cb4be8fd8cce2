#!/usr/bin/env bash
# National scale on PostgreSQL: generate the data set, then benchmark reads on it.
#
#   benches/national.sh load  [POSTGRES_URL]   # fresh database, migrations, data, ANALYZE
#   benches/national.sh check [POSTGRES_URL]   # read a sample of every kind back through the API
#   benches/national.sh bench [POSTGRES_URL]   # wrk against the reads below
#   benches/national.sh all   [POSTGRES_URL]   # load, check, bench
#
# POSTGRES_URL is the server, without a database name (default
# postgres://postgres@127.0.0.1:5432). The database is NATIONAL_DB
# (default samverkan_national); `load` drops it first.
#
# The data set (benches/national.sql, set-based INSERT ... SELECT):
# 200 000 organisations, 400 grant programmes with 10 years of budgets and
# two rounds a year, 2 000 000 applications over 2017-2026 with their
# allocations, payments and history, 100 000 partnerships with parties,
# funding lines and history, 200 000 dialogue events with ~1 000 000
# registrations and the attendance of the held ones. NATIONAL_SCALE scales
# every count (0.05 is the city scale of benches/run.sh: 10 000
# organisations), for a comparison on the same shape of data.
#
# The bench reads, as city staff (sees everything), with run.sh's wrk
# settings: GET by id of each kind of case, the filtered lists, and the
# cases of one organisation (its applications, partnerships, events). The
# sample rows are picked in the database: the organisation with the median
# number of applications, a programme, a unit and so on.
#
# Knobs: NATIONAL_DB=samverkan_national NATIONAL_SCALE=1 NATIONAL_BIN=<path to samverkan>
#        BENCH_THREADS=2 BENCH_CONNECTIONS=64 BENCH_DURATION=10s BENCH_WARMUP=2s
#        NATIONAL_LIMIT=20 (page size of the lists)
# Not run in CI: it is a benchmark (minutes to load, gigabytes of disk).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="$REPO/benches"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
MODE="${1:-all}"
PG_URL="${2:-postgres://postgres@127.0.0.1:5432}"
PG_URL="${PG_URL%/}"
DB="${NATIONAL_DB:-samverkan_national}"
SCALE="${NATIONAL_SCALE:-1}"
WRK_THREADS="${BENCH_THREADS:-2}"
WRK_CONNECTIONS="${BENCH_CONNECTIONS:-64}"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
LIMIT="${NATIONAL_LIMIT:-20}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

if [[ -n "${NATIONAL_BIN:-}" ]]; then
    BIN="$NATIONAL_BIN"
elif [[ -x "$TARGET_DIR/release/samverkan" ]]; then
    BIN="$TARGET_DIR/release/samverkan"
else
    BIN="$TARGET_DIR/debug/samverkan"
fi
[[ -x "$BIN" ]] || die "no samverkan binary (cargo build --release, or set NATIONAL_BIN)"
command -v psql >/dev/null || die "psql is needed"

psql_db() { psql "$PG_URL/$1" -qAt -v ON_ERROR_STOP=1 "${@:2}"; }
count() { python3 -c "import sys; print(max(1, round(float(sys.argv[1]) * float(sys.argv[2]))))" "$1" "$SCALE"; }

load() {
    local orgs apps partnerships events programmes drafts
    orgs="$(count 200000)"; apps="$(count 2000000)"; partnerships="$(count 100000)"
    events="$(count 200000)"; programmes="$(count 400)"
    ((programmes >= 20)) || programmes=20
    drafts=$((programmes / 50)); ((drafts >= 1)) || drafts=1
    log "database $DB: dropping, creating, migrating ($BIN migrate)"
    psql_db postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" -c "CREATE DATABASE \"$DB\""
    SAMVERKAN_DATABASE_URL="$PG_URL/$DB" RUST_LOG=warn "$BIN" migrate >&2
    log "loading: $orgs organisations, $programmes programmes, $apps applications, $partnerships partnerships, $events events"
    local start end
    start="$(date +%s)"
    psql_db "$DB" -v orgs="$orgs" -v apps="$apps" -v partnerships="$partnerships" -v events="$events" \
        -v programmes="$programmes" -v drafts="$drafts" -f "$BENCH_DIR/national.sql" >&2
    log "VACUUM ANALYZE"
    psql_db "$DB" -c "VACUUM ANALYZE"
    end="$(date +%s)"
    log "loaded in $((end - start)) s; database size $(psql_db "$DB" -c "SELECT pg_size_pretty(pg_database_size('$DB'))")"
    psql_db "$DB" -F ' ' -c "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE n_live_tup > 0 ORDER BY n_live_tup DESC" \
        | sed 's/^/    /' >&2
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

SERVER_PID=""
WORK="$(mktemp -d /tmp/samverkan-national.XXXXXX)"
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

status_of() {
    curl -s -o /dev/null -w '%{http_code}' -m 30 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$1"
}

# run_wrk LABEL PATH: one row of the table.
run_wrk() {
    local label="$1" path="$2" url="http://127.0.0.1:$PORT$2"
    local status
    status="$(status_of "$path")"
    [[ "$status" == 200 ]] || die "GET $path answered $status"
    local args=(-t"$WRK_THREADS" -c"$WRK_CONNECTIONS" --latency -H "Authorization: Bearer $TOKEN")
    timeout 120 wrk "${args[@]}" -d"$WARMUP" "$url" >/dev/null
    local out="$WORK/wrk.txt"
    timeout 300 wrk "${args[@]}" -d"$DURATION" "$url" >"$out"
    local rps p50 p99 non2xx
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")"
    p50="$(awk '/Latency Distribution/ {d=1} d && $1=="50%" {print $2; exit}' "$out")"
    p99="$(awk '/Latency Distribution/ {d=1} d && $1=="99%" {print $2; exit}' "$out")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"
    local note=""
    [[ -z "$non2xx" ]] || note=" ($non2xx non-2xx)"
    local items
    items="$(curl -s -m 30 -H "Authorization: Bearer $TOKEN" "$url" | python3 -c \
        'import json, sys; d = json.load(sys.stdin); print(len(d["items"]) if isinstance(d, dict) and "items" in d else "")')"
    printf '| %s | `%s` | %s | %s%s | %s | %s |\n' "$label" "$path" "$items" "$rps" "$note" "$p50" "$p99"
    log "$label: $rps/s p50 $p50 p99 $p99"
}

start_server() {
    PORT="$(free_port)"
    local secret
    secret="bench-$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
    local env=(
        "SAMVERKAN_DATABASE_URL=$PG_URL/$DB"
        "SAMVERKAN_BIND=127.0.0.1:$PORT"
        "SAMVERKAN_PUBLIC_URL=http://127.0.0.1:$PORT"
        "SAMVERKAN_JWT_HS256_SECRET=$secret"
        "RUST_LOG=warn"
    )
    env "${env[@]}" "$BIN" serve >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    local ready=""
    for _ in $(seq 1 300); do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited"; }
        if [[ "$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$PORT/readyz")" == 200 ]]; then
            ready=1; break
        fi
        sleep 0.1
    done
    [[ -n "$ready" ]] || die "the server did not become ready within 30 s"
    TOKEN="$(env "${env[@]}" "$BIN" token --role city_staff --unit "$(python3 -c 'import uuid; print(uuid.uuid4())')" --ttl 2h)"
}

stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

# check: a sample of every kind of row, and pages of every list, read through the API.
check() {
    command -v curl >/dev/null || die "curl is needed"
    start_server
    log "reading a sample back through the API"
    python3 "$BENCH_DIR/national_check.py" --port "$PORT" --token "$TOKEN" --db "$PG_URL/$DB"
    stop_server
}

bench() {
    command -v wrk >/dev/null || die "wrk is needed (apt-get install wrk)"
    command -v curl >/dev/null || die "curl is needed"
    start_server

    # Samples: the organisation with the median number of applications (among
    # those with any), its most recent application, a partnership it is
    # party to, an event it registered to; a programme, a unit, a week of events.
    local org app pship event programme unit word
    org="$(psql_db "$DB" -c "SELECT organisation_id FROM (SELECT organisation_id, count(*) c FROM grant_applications
        GROUP BY organisation_id) x ORDER BY c, organisation_id OFFSET (SELECT count(DISTINCT organisation_id) / 2 FROM grant_applications) LIMIT 1")"
    app="$(psql_db "$DB" -c "SELECT id FROM grant_applications WHERE organisation_id = '$org' ORDER BY created_at DESC LIMIT 1")"
    pship="$(psql_db "$DB" -c "SELECT p.id FROM partnerships p JOIN partnership_parties pp ON pp.partnership_id = p.id ORDER BY p.created_at DESC OFFSET 100 LIMIT 1")"
    event="$(psql_db "$DB" -c "SELECT event_id FROM dialogue_registrations ORDER BY registered_at DESC OFFSET 100 LIMIT 1")"
    programme="$(psql_db "$DB" -c "SELECT programme_id FROM grant_applications WHERE id = '$app'")"
    unit="$(psql_db "$DB" -c "SELECT responsible_unit_id FROM partnerships WHERE id = '$pship'")"
    word="bryggan"
    local rare
    rare="$(psql_db "$DB" -c "SELECT split_part(name_search, ' ', 4) FROM organisations WHERE id = '$org'")"
    local from="2026-03-01T00:00:00Z" to="2026-03-08T00:00:00Z"
    local n="limit=$LIMIT"

    ROWS=()
    ROWS+=("$(run_wrk "organisation by id" "/api/v1/organisations/$org")")
    ROWS+=("$(run_wrk "application by id" "/api/v1/grant-applications/$app")")
    ROWS+=("$(run_wrk "partnership by id" "/api/v1/partnerships/$pship")")
    ROWS+=("$(run_wrk "event by id" "/api/v1/dialogue-events/$event")")
    ROWS+=("$(run_wrk "programme by id" "/api/v1/grant-programmes/$programme")")
    ROWS+=("$(run_wrk "programmes" "/api/v1/grant-programmes?$n")")
    ROWS+=("$(run_wrk "organisations by district" "/api/v1/organisations?district=lundby&$n")")
    ROWS+=("$(run_wrk "organisations by q (common word)" "/api/v1/organisations?q=$word&$n")")
    ROWS+=("$(run_wrk "organisations by q (one match)" "/api/v1/organisations?q=$rare&$n")")
    ROWS+=("$(run_wrk "applications by programme" "/api/v1/grant-applications?programme_id=$programme&$n")")
    ROWS+=("$(run_wrk "applications by status" "/api/v1/grant-applications?status=under_review&$n")")
    ROWS+=("$(run_wrk "partnerships by status" "/api/v1/partnerships?status=active&$n")")
    ROWS+=("$(run_wrk "partnerships by unit" "/api/v1/partnerships?city_unit_id=$unit&$n")")
    ROWS+=("$(run_wrk "events in a week" "/api/v1/dialogue-events?from=$from&to=$to&$n")")
    ROWS+=("$(run_wrk "one organisation's applications" "/api/v1/grant-applications?organisation_id=$org&$n")")
    ROWS+=("$(run_wrk "one organisation's partnerships" "/api/v1/partnerships?organisation_id=$org&$n")")
    ROWS+=("$(run_wrk "one organisation's events" "/api/v1/dialogue-events?organisation_id=$org&$n")")

    echo
    echo "- database: $DB (scale $SCALE, $(psql_db "$DB" -c "SELECT pg_size_pretty(pg_database_size('$DB'))")), binary: $BIN"
    echo "- machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB RAM; wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$DURATION --latency after a $WARMUP warm-up, city_staff token"
    echo
    echo "| read | path | items | requests/s | p50 | p99 |"
    echo "|---|---|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    stop_server
}

case "$MODE" in
    load) load ;;
    check) check ;;
    bench) bench ;;
    all) load; check; bench ;;
    *) die "usage: benches/national.sh load|check|bench|all [POSTGRES_URL]" ;;
esac
