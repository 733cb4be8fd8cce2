#!/usr/bin/env bash
# The import benchmark (benches/imports.py): 100 000 grant applications
# through POST /api/v1/imports/grant-applications and through `samverkan
# import`, on SQLite and on PostgreSQL, beside reads by id, and the rate at
# which the database itself loads the same rows (sqlite3 .import, COPY).
#
#   bash benches/imports.sh [--rows N] [--backend sqlite|postgres|both]   # BENCH_PG=postgres://postgres@127.0.0.1:5432
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sqlite3 >/dev/null || { echo "sqlite3 (the command-line shell) is needed: apt-get install sqlite3"; exit 2; }
cargo build --release --locked -q
python3 benches/imports.py target/release/samverkan "$@"
