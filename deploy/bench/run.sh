#!/usr/bin/env bash
# Benchmark v1 (SPEC §12): the hub path into SQLite, PostGIS, and PostGIS behind
# Mosquitto, each beside the same rows written straight into the store.
# Unless SIM_PG_DSN / SIM_MQTT_URL are set it starts, from the machine's
# binaries, a throwaway durable (fsync on) PostgreSQL cluster and a loopback
# Mosquitto, and stops them afterwards.
# Usage: deploy/bench/run.sh [simulator bench flags…]   (make bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
go build -o bin/hub ./cmd/hub
go build -o bin/simulator ./cmd/simulator

pgdir="" mqdir="" mpid="" run=() bindir=""
cleanup() {
  [ -n "$mpid" ] && kill "$mpid" 2>/dev/null || true
  [ -n "$mqdir" ] && rm -rf "$mqdir"
  if [ -n "$pgdir" ]; then
    "${run[@]}" "$bindir/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null || true
    rm -rf "$pgdir"
  fi
}
trap cleanup EXIT

if [ -z "${SIM_PG_DSN:-}" ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -x "$bindir/initdb" ]; then
    pgdir=$(mktemp -d /tmp/hub-bench-pg.XXXXXX)
    port=$(( 20000 + RANDOM % 20000 ))
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$pgdir"; run=(runuser -u postgres --); fi
    "${run[@]}" "$bindir/initdb" -D "$pgdir/data" -U postgres -A trust >/dev/null
    "${run[@]}" "$bindir/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
      -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=4GB" start >/dev/null
    export SIM_PG_DSN="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    echo "bench: throwaway PostgreSQL on port $port (fsync on)" >&2
  else
    echo "bench: no PostgreSQL binaries and no SIM_PG_DSN: the PostGIS targets are skipped" >&2
  fi
fi

if [ -z "${SIM_MQTT_URL:-}" ] && command -v mosquitto >/dev/null; then
  mqdir=$(mktemp -d /tmp/hub-bench-mqtt.XXXXXX)
  mport=$(( 40000 + RANDOM % 20000 ))
  # Bench only: anonymous on loopback, generous in-flight and queue limits.
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 1000\nmax_queued_messages 1000000\n' \
    "$mport" > "$mqdir/mosquitto.conf"
  [ "$(id -u)" = 0 ] && echo "user root" >> "$mqdir/mosquitto.conf"
  mosquitto -c "$mqdir/mosquitto.conf" >"$mqdir/log" 2>&1 &
  mpid=$!
  sleep 0.5
  export SIM_MQTT_URL="tcp://127.0.0.1:$mport"
  echo "bench: throwaway Mosquitto on port $mport" >&2
fi

bin/simulator bench --hub-bin bin/hub "$@"
