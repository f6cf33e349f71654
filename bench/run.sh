#!/usr/bin/env bash
# `make bench-catalog`: the catalog benchmark. Makes sure wrk and a local PostgreSQL with a
# `kargah_bench` database are here (installing them the way .ci/run does), then runs
# bench/run.py, which seeds, serves with gunicorn and measures. Not part of `make test`.
# `make bench-rush` runs it with BENCH_DB=kargah_bench_rush and BENCH_MODULE=bench.rush.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

db=${BENCH_DB:-kargah_bench}
module=${BENCH_MODULE:-bench.run}
# bench.notify loads its server with its own client, not wrk.
[ "$module" = bench.notify ] || command -v wrk >/dev/null || apt_install wrk
[[ $db =~ ^[a-z0-9_]*bench[a-z0-9_]*$ ]] || { echo "bench: BENCH_DB must say bench" >&2; exit 2; }
[[ $module =~ ^bench\.[a-z_]+$ ]] || { echo "bench: BENCH_MODULE must be bench.<name>" >&2; exit 2; }

if [ -z "${BENCH_DATABASE_URL:-}" ]; then
  # The local cluster, as in .ci/run, with a database of the benchmark's own.
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kargah') THEN
    CREATE ROLE kargah LOGIN CREATEDB PASSWORD 'kargah';
  END IF;
END $$;
SQL
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1 \
    || su postgres -c "createdb -O kargah $db"
  export BENCH_DATABASE_URL=postgres://kargah:kargah@127.0.0.1:5432/$db
fi

exec .venv/bin/python -m "$module" "$@"
