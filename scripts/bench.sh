#!/usr/bin/env bash
# make bench: the benchmarks of bench/, with a throwaway PostgreSQL for the rows that need one.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
py="$here/.venv/bin/python"
pgdir=$(mktemp -d /tmp/evoladder-pg.XXXXXX)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { "$here/scripts/pg.sh" stop "$pgdir" || true; rm -rf "$pgdir"; }
trap cleanup EXIT
export EVOLADDER_TEST_PG_URL=$("$here/scripts/pg.sh" start "$pgdir" "$port")
cd "$here"
"$py" -m bench.harness "$@"
