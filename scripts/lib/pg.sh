# Sourced by scripts/test and scripts/contract-test: a throwaway PostgreSQL cluster on a free
# 127.0.0.1 port (as the postgres user when run as root, fsync off), stopped and deleted on
# exit. After `pg_start`: PG_BIN, PG_PORT, PG_WORK and the `psql_su` function (superuser).

pg_bin() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$PG_WORK"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_stop() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_WORK"
}

psql_su() {
  local psql="$PG_BIN/psql"
  [ -x "$psql" ] || psql=psql
  "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}

# Starts the cluster and registers pg_stop on exit. $1: the caller's name, for messages.
pg_start() {
  PG_BIN=$(pg_bin)
  [ -x "$PG_BIN/initdb" ] || { echo "$1: PostgreSQL server binaries not found; apt-get install postgresql" >&2; exit 1; }
  PG_PORT=${OMNICRM_TEST_PG_PORT:-$(free_port)}
  PG_WORK=$(mktemp -d /tmp/omnicrm-test-pg.XXXXXX)
  chmod 755 "$PG_WORK"
  trap pg_stop EXIT INT TERM
  as_pg "$PG_BIN/initdb" -D "$PG_WORK/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$PG_WORK/data" -l "$PG_WORK/data/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_WORK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=256MB" \
    start >/dev/null
}
