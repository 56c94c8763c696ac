#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the store tests: installed from Debian when
# missing, created with initdb in a temporary folder, listening on a unix socket in that
# folder only (no TCP), stopped and removed afterwards.
#
#   bash .ci/postgres.sh -- CMD ARGS...   start, run CMD with PROCDSL_TEST_PG set, stop
#   bash .ci/postgres.sh start DIR        start a cluster in DIR (empty or missing); print
#                                         its libpq URL on stdout
#   bash .ci/postgres.sh stop DIR         stop the cluster in DIR and remove DIR
#
# As root the server runs as the "postgres" user (root cannot run it); created when missing.
set -euo pipefail

PORT=5432  # only names the socket file inside DIR: nothing listens on TCP

pg_bin() {
  local dir
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  return 1
}

install_pg() {
  pg_bin >/dev/null 2>&1 && return
  command -v apt-get >/dev/null 2>&1 || { echo "postgres.sh: please install PostgreSQL" >&2; exit 1; }
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "postgres.sh: installing postgresql" >&2
  $sudo apt-get update -qq >/dev/null
  # The Debian package would start its own cluster on TCP 5432: keep it from starting.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq postgresql >/dev/null
  pg_bin >/dev/null || { echo "postgres.sh: no initdb after installing postgresql" >&2; exit 1; }
}

as_owner() {  # run a server program as the cluster's owner
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=$1 bin
  install_pg
  bin=$(pg_bin)
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  chmod 700 "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $PORT -c fsync=on \
        -c max_connections=100 -c shared_buffers=64MB" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/psql" -h "$dir" -p $PORT -U postgres -d postgres -qAt \
    -c "CREATE DATABASE procdsl_test" >/dev/null
  echo "postgresql://postgres@/procdsl_test?host=$dir&port=$PORT"
}

stop() {
  local dir=$1 bin
  bin=$(pg_bin) || true
  if [ -n "${bin:-}" ] && [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:?usage: postgres.sh start DIR}" ;;
  stop) stop "${2:?usage: postgres.sh stop DIR}" ;;
  --)
    shift
    [ $# -gt 0 ] || { echo "usage: postgres.sh -- CMD ARGS..." >&2; exit 2; }
    dir=$(mktemp -d /tmp/procdsl-pg.XXXXXX)
    trap 'stop "$dir"' EXIT
    PROCDSL_TEST_PG=$(start "$dir")
    export PROCDSL_TEST_PG
    "$@"
    ;;
  *) echo "usage: postgres.sh -- CMD ARGS... | start DIR | stop DIR" >&2; exit 2 ;;
esac
