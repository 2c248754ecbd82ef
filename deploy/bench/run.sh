#!/usr/bin/env bash
# Benchmark v1: the hub path into SQLite and PostGIS, each beside the same
# rows written straight into the store. Starts a throwaway, durable (fsync on)
# PostgreSQL cluster from the machine's binaries unless SIM_PG_DSN is set.
# Usage: deploy/bench/run.sh [simulator bench flags…]   (make bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
go build -o bin/hub ./cmd/hub
go build -o bin/simulator ./cmd/simulator

if [ -z "${SIM_PG_DSN:-}" ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -x "$bindir/initdb" ]; then
    pgdir=$(mktemp -d /tmp/hub-bench-pg.XXXXXX)
    port=$(( 20000 + RANDOM % 20000 ))
    run=(); [ "$(id -u)" = 0 ] && { chown -R postgres "$pgdir"; run=(runuser -u postgres --); }
    "${run[@]}" "$bindir/initdb" -D "$pgdir/data" -U postgres -A trust >/dev/null
    "${run[@]}" "$bindir/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
      -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=4GB" start >/dev/null
    trap '"${run[@]}" "$bindir/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null; rm -rf "$pgdir"' EXIT
    export SIM_PG_DSN="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    echo "bench: throwaway PostgreSQL on port $port (fsync on)" >&2
  else
    echo "bench: no PostgreSQL binaries and no SIM_PG_DSN: PostGIS will be skipped" >&2
  fi
fi
exec bin/simulator bench --hub-bin bin/hub "$@"
