#!/bin/sh
# Installs the real Prisma CLI (6.19.x, JavaScript schema engine, pg driver
# adapter) into a cache directory for the compatibility tests, once.
#
#   scripts/prisma.sh DIR     -> DIR/node_modules/.bin/prisma, DIR/engine-stub/*
#
# Prisma 6.19 works without network access with `engine: 'js'` and
# @prisma/adapter-pg, given two placeholder engine files (never executed) and
# one fix: adapter-pg 6.19.3 cannot decode columns of type `name` (OID 19)
# or `"char"` (OID 18), which the schema engine's catalogue queries return; we
# map them to text as the adapter already does for bpchar.  See ../shared/notes/prisma-offline.md.
set -eu

DIR=${1:?usage: scripts/prisma.sh DIR}
STAMP=.installed-6.19
[ -f "$DIR/$STAMP" ] && exit 0

if ! command -v npm >/dev/null 2>&1; then
	echo "prisma: npm is missing; run 'make deps' (installs nodejs and npm)" >&2
	exit 1
fi
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{ "private": true, "name": "pgshift-prisma-cache" }' > package.json
echo "prisma: installing prisma@6.19 into $DIR (npm registry)"
npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
	prisma@6.19 @prisma/client@6.19 @prisma/adapter-pg@6.19 pg >/dev/null

for f in node_modules/@prisma/adapter-pg/dist/index.js node_modules/@prisma/adapter-pg/dist/index.mjs; do
	if ! grep -q 'case 19: /\* name \*/' "$f"; then
		sed -i 's|^\( *\)case ScalarColumnType.BPCHAR:|\1case 18: /* "char" */\n\1case 19: /* name */\n&|' "$f"
		grep -q 'case 19: /\* name \*/' "$f" || { echo "prisma: could not patch $f" >&2; exit 1; }
	fi
done

mkdir -p engine-stub
: > engine-stub/schema-engine
chmod 0755 engine-stub/schema-engine
: > engine-stub/libquery_engine.so.node
touch "$STAMP"
