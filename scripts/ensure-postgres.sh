#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for the tests.
# Uses the machine's server when it runs; otherwise starts the Debian cluster, or installs
# PostgreSQL and runs a throwaway trust-auth cluster as the postgres user (initdb refuses root).
set -euo pipefail
HOST=127.0.0.1
PORT=${LODESTAR_PG_PORT:-5432}

ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }

if command -v pg_isready >/dev/null && ready; then exit 0; fi

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "ensure-postgres: installing PostgreSQL"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql)" ]; then
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || true
  for _ in $(seq 20); do ready && break; sleep 0.5; done
  # The Debian cluster may ask for passwords on TCP; the tests need trust, so check it.
  if ready && psql -h "$HOST" -p "$PORT" -U postgres -w -c 'select 1' >/dev/null 2>&1; then exit 0; fi
fi

bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
data=/tmp/lodestar-pg
if [ ! -f "$data/PG_VERSION" ]; then
  mkdir -p "$data"; chown postgres "$data"
  su postgres -c "$bin/initdb -q -A trust -U postgres -D $data"
fi
su postgres -c "$bin/pg_ctl -D $data -o '-p $PORT -k /tmp -c listen_addresses=$HOST' -l $data/log -w start"
ready || { echo "ensure-postgres: PostgreSQL did not start (see $data/log)" >&2; exit 1; }
