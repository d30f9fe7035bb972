#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the test suites: starts the local
# cluster if it is stopped, installs Debian's server first if there is none (trust auth on
# loopback, as on the development machines). With RX_TEST_POSTGRES_URL set, only checks it.
set -euo pipefail
url=${RX_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
answers() { psql "$url" -Atqc 'SELECT 1' >/dev/null 2>&1; }

if answers; then echo "postgres: $url answers"; exit 0; fi
if [ -n "${RX_TEST_POSTGRES_URL:-}" ]; then echo "postgres: RX_TEST_POSTGRES_URL=$url does not answer" >&2; exit 1; fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "postgres: no server here; installing Debian's"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' > "$hba"
fi
version=$(ls /etc/postgresql | sort -V | tail -1)
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do
  if answers; then echo "postgres: $version started, $url answers"; exit 0; fi
  sleep 1
done
echo "postgres: $url still does not answer after starting cluster $version main" >&2
exit 1
