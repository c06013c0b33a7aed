#!/usr/bin/env bash
# A PostgreSQL server for the hub tests: installs it (Debian/Ubuntu apt) when the machine has none, starts it
# when it is down, creates a test role and database, and prints the URL as one shell line on stdout:
#
#   eval "$(scripts/ci-postgres.sh)"      # then: .venv/bin/python -m pytest
#
# The URL also goes to $GITHUB_ENV when set, and to $ROOMCONTROL_PG_URL_FILE when set. Everything else
# goes to stderr, so the eval stays clean. Safe to run twice. Needs root (or sudo) only to install or start.
set -euo pipefail

DB=${ROOMCONTROL_PG_DB:-roomcontrol_test}
ROLE=${ROOMCONTROL_PG_ROLE:-roomcontrol_test}
PASSWORD=${ROOMCONTROL_PG_PASSWORD:-roomcontrol_test}
PORT=${ROOMCONTROL_PG_PORT:-5432}
say() { echo "ci-postgres: $*" >&2; }

if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else sudo=""; fi
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else $sudo runuser -u postgres -- "$@"; fi; }

pg_bin() {  # the newest installed server's bin directory (Debian keeps them under /usr/lib/postgresql/N)
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -n "$d" ]; then echo "$d"; elif command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; fi
}

if [ -z "$(pg_bin)" ]; then
  say "no PostgreSQL server here: installing it with apt-get"
  $sudo apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
BIN=$(pg_bin)
[ -n "$BIN" ] || { say "PostgreSQL is still not installed"; exit 1; }

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; }

if ! ready; then
  if command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
    # Debian's cluster: pg_ctlcluster starts it without systemd (containers, CI runners).
    read -r ver name _ < <(pg_lsclusters -h | sort -V | tail -n1)
    say "starting cluster $ver/$name"
    $sudo pg_ctlcluster "$ver" "$name" start >&2 || true
  else
    # No cluster: a private one owned by postgres (the server refuses to run as root).
    data=${ROOMCONTROL_PG_DATA:-/var/tmp/roomcontrol-pg}
    id postgres >/dev/null 2>&1 || $sudo useradd --system --home-dir "$data" postgres
    if [ ! -s "$data/PG_VERSION" ]; then
      $sudo mkdir -p "$data" && $sudo chown postgres "$data"
      pwfile=$(mktemp) && echo "$PASSWORD" >"$pwfile" && $sudo chown postgres "$pwfile"
      as_postgres "$BIN/initdb" -D "$data" --auth-local=peer --auth-host=scram-sha-256 --pwfile="$pwfile" -U postgres >&2
      rm -f "$pwfile"
    fi
    $sudo mkdir -p /var/run/postgresql && $sudo chown postgres /var/run/postgresql
    as_postgres "$BIN/pg_ctl" -D "$data" -l "$data/server.log" -o "-p $PORT -c listen_addresses=127.0.0.1" \
      -w start >&2
  fi
  for _ in $(seq 1 60); do ready && break; sleep 0.5; done
fi
ready || { say "PostgreSQL did not come up on 127.0.0.1:$PORT"; exit 1; }

psql_admin() { as_postgres "$BIN/psql" -v ON_ERROR_STOP=1 -qAt -p "$PORT" "$@"; }
if [ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" ]; then
  psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
else
  psql_admin -c "ALTER ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi

URL="postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
say "ready: $URL"
[ -n "${GITHUB_ENV:-}" ] && echo "ROOMCONTROL_TEST_PG_URL=$URL" >>"$GITHUB_ENV"
[ -n "${ROOMCONTROL_PG_URL_FILE:-}" ] && echo "$URL" >"$ROOMCONTROL_PG_URL_FILE"
echo "export ROOMCONTROL_TEST_PG_URL='$URL'"
