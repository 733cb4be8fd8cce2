# Shared by benches/run.sh and benches/lists.sh (sourced, not run): logging,
# stopping the server under test, dropping the bench database, and the
# EXIT trap that does both. Expects SERVER_PID, PG_CREATED, PG_HOST,
# PG_PORT, PG_USER, PG_DB and WORK to be set by the script.

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Graceful shutdown first, bounded; then force.
stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

drop_pg() {
    if [[ -n "$PG_CREATED" ]]; then
        timeout 30 psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qAt \
            -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 \
            || log "could not drop database $PG_DB"
        PG_CREATED=""
    fi
}

cleanup() {
    local status=$?
    stop_server
    drop_pg
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
