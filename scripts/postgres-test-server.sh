#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the backend tests.
#   source scripts/postgres-test-server.sh start   -> exports SAFEHARBOR_TEST_PG
#   scripts/postgres-test-server.sh stop
# Uses Debian's postgresql package (installed here if missing). Skips quietly where it cannot run.
PGDIR=${SAFEHARBOR_PG_DIR:-/tmp/safeharbor-pg}
PGPORT=${SAFEHARBOR_PG_PORT:-55432}
pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$d" ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || true
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  echo "$d"
}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-start}" in
  start)
    BIN=$(pg_bin)
    if [ -z "$BIN" ]; then echo "postgres: not available; PostgreSQL tests will be skipped" >&2; return 0 2>/dev/null || exit 0; fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system --home "$PGDIR" postgres; fi
    as_pg "$BIN/pg_ctl" -D "$PGDIR/data" stop -m immediate >/dev/null 2>&1 || true
    rm -rf "$PGDIR"; mkdir -p "$PGDIR"; chown postgres "$PGDIR" 2>/dev/null || true
    as_pg "$BIN/initdb" -D "$PGDIR/data" -U postgres -A trust >/dev/null
    as_pg "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR -c fsync=off" start >/dev/null
    export SAFEHARBOR_TEST_PG="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
    echo "postgres: test server on 127.0.0.1:$PGPORT"
    ;;
  stop)
    BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$BIN" ] && as_pg "$BIN/pg_ctl" -D "$PGDIR/data" stop -m fast >/dev/null 2>&1 || true
    ;;
esac
