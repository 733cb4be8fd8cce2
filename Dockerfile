# syntax=docker/dockerfile:1
# The samverkan API: a release build on Debian bookworm, run as a non-root user.
#
#   docker build -t samverkan .
#   docker compose up          (with PostgreSQL, see docker-compose.yml)

# --- build -------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /build

# Dependencies first, on stub sources, so editing src/ does not rebuild them.
# libpq and SQLite are compiled in (pq-sys/libsqlite3-sys "bundled"); libpq
# links the system OpenSSL, which the rust image ships (libssl-dev).
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

COPY src ./src
COPY migrations ./migrations
# COPY keeps the files' old mtimes: make sure cargo sees them as newer than the stubs.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && cp target/release/samverkan /usr/local/bin/samverkan

# --- run ---------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# ca-certificates for TLS to the database; libssl3 for libpq; curl for the
# container healthcheck (GET /readyz).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 samverkan \
    && useradd --system --uid 10001 --gid samverkan --home-dir /app --shell /usr/sbin/nologin samverkan \
    && mkdir -p /app \
    && chown samverkan:samverkan /app

COPY --from=builder /usr/local/bin/samverkan /usr/local/bin/samverkan

WORKDIR /app
USER 10001:10001

# Listen on all interfaces inside the container (the default is 127.0.0.1).
ENV SAMVERKAN_BIND=0.0.0.0:8080
EXPOSE 8080

# Exec form: the server is PID 1 and gets SIGTERM for its graceful shutdown.
CMD ["samverkan", "serve"]
