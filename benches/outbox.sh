#!/usr/bin/env bash
# The outbox benchmark (benches/outbox.py): webhook delivery latency with two
# replicas on one PostgreSQL, and the write latency with the outbox against
# the build of the commit before it (f451f76^), each a release build.
#
#   bash benches/outbox.sh            # BENCH_PG=postgres://postgres@127.0.0.1:5432
#
# The baseline is checked out in a worktree of its own beside the repository
# and built there once (its own target directory, kept for the next run).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_COMMIT="$(git rev-parse f451f76^)"
BASE_DIR="${BENCH_BASELINE_DIR:-$PWD/../samverkan-bench-baseline}"
if [ ! -d "$BASE_DIR" ]; then
    git worktree add --detach "$BASE_DIR" "$BASE_COMMIT"
fi
(cd "$BASE_DIR" && git checkout -q --detach "$BASE_COMMIT" && cargo build --release --locked -q)
cargo build --release --locked -q
python3 benches/outbox.py target/release/samverkan --baseline "$BASE_DIR/target/release/samverkan" "$@"
