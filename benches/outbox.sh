#!/usr/bin/env bash
# The outbox benchmark (benches/outbox.py): webhook delivery latency with two
# replicas on one PostgreSQL, and the write latency with the outbox against
# the same commit built without it (benches/without-outbox.patch: no outbox
# row is written), each a release build.
#
#   bash benches/outbox.sh [--no-delivery] [--rounds N]   # BENCH_PG=postgres://postgres@127.0.0.1:5432
#
# The build without the outbox is made in a worktree of its own beside the
# repository (its own target directory, kept for the next run), at HEAD.
set -euo pipefail
cd "$(dirname "$0")/.."
HEAD_COMMIT="$(git rev-parse HEAD)"
WITHOUT_DIR="${BENCH_WITHOUT_DIR:-$PWD/../samverkan-bench-without-outbox}"
if [ ! -d "$WITHOUT_DIR" ]; then
    git worktree add --detach "$WITHOUT_DIR" "$HEAD_COMMIT"
fi
(cd "$WITHOUT_DIR" && git checkout -q -f --detach "$HEAD_COMMIT" \
    && git apply "$OLDPWD/benches/without-outbox.patch" \
    && cargo build --release --locked -q)
cargo build --release --locked -q
python3 benches/outbox.py target/release/samverkan --without "$WITHOUT_DIR/target/release/samverkan" "$@"
