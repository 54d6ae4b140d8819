#!/bin/sh
# Checks GitHub Actions files with GitHub's own parser and schema: the
# workflow parser of actions/languageservices (@actions/workflow-parser, the
# schema GitHub's editor and service use) and action-validator (the
# SchemaStore JSON schemas).  Both are installed once into DIR from the npm
# registry (never committed: DIR is under build/).
#
#   scripts/gha-check.sh DIR FILE...     exit 0: every FILE is valid
set -eu

DIR=${1:?usage: scripts/gha-check.sh DIR FILE...}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
STAMP=.installed-0.3.61-0.6.0

if [ ! -f "$DIR/$STAMP" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "gha-check: npm is missing; run 'make deps' (installs nodejs and npm)" >&2
		exit 1
	fi
	mkdir -p "$DIR"
	[ -f "$DIR/package.json" ] || echo '{ "private": true, "name": "pgshift-gha-check" }' > "$DIR/package.json"
	echo "gha-check: installing @actions/workflow-parser and @action-validator/cli into $DIR (npm registry)"
	(cd "$DIR" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
		@actions/workflow-parser@0.3.61 @action-validator/cli@0.6.0 @action-validator/core@0.6.0 >/dev/null)
	touch "$DIR/$STAMP"
fi
cp "$HERE/gha-check.mjs" "$DIR/check.mjs"
rc=0
node "$DIR/check.mjs" "$@" || rc=1
for f in "$@"; do
	"$DIR/node_modules/.bin/action-validator" "$f" >"$DIR/last.out" 2>&1 || { cat "$DIR/last.out"; rc=1; }
done
exit $rc
