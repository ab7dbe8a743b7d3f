#!/usr/bin/env bash
# The whole suite on SQLite and PostgreSQL: starts a throwaway PostgreSQL on loopback (as the
# postgres user), runs pytest with EVOLADDER_TEST_PG_URL pointing at it, and stops the server
# whatever happens. Extra arguments go to pytest.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
py="$here/.venv/bin/python"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "test.sh: installing PostgreSQL (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pgdir=$(mktemp -d /tmp/evoladder-pg.XXXXXX)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { "$here/scripts/pg.sh" stop "$pgdir" || true; rm -rf "$pgdir"; }
trap cleanup EXIT
url=$("$here/scripts/pg.sh" start "$pgdir" "$port")
echo "test.sh: PostgreSQL at ${url} (data in $pgdir); SQLite in per-test temporary files"
export EVOLADDER_TEST_PG_URL="$url"
export EVOLADDER_SHARED_DIR="${EVOLADDER_SHARED_DIR:-$here/../shared}"
cd "$here"
"$py" -m pytest "$@"
