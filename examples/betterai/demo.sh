#!/bin/sh
# make demo: start the embedded dev PostgreSQL for the example project,
# deploy its migrations and show their status.  Run it again: nothing is
# applied twice.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pgshift=$here/../../pgshift
cd "$here"
# Use the dev cluster, not whatever database the caller's environment names.
unset DATABASE_URL DATABASE_URL_UNPOOLED DIRECT_URL PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE 2>/dev/null || true

echo "== pgshift dev up"
"$pgshift" dev up
echo
echo "== pgshift deploy"
"$pgshift" deploy
echo
echo "== pgshift status"
"$pgshift" status
echo
echo "The dev cluster keeps running: try \"cd examples/betterai && ../../pgshift status\","
echo "or psql \"\$(../../pgshift dev url)\". Stop it with \"../../pgshift dev down\"."
