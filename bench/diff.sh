#!/usr/bin/env bash
# Benchmark: pgshift diff and pgshift new --from-schema on the 1,000-table
# schema of bench/dump.sh (bench/schema_gen.py) with a realistic change set:
# 20 tables altered, 5 added, 5 dropped, 50 indexes changed.
#
# - diff: `pgshift diff --from URL --to URL`, the base schema in one database
#   and the changed one in another.  Target: under 1 s.
# - new --from-schema: a project whose migrations (the base schema cut into
#   MIGRATIONS files) and schema.sql (the changed schema); the scratch
#   databases are created on the bench server.  Against the floor of any
#   shadow-database tool: createdb, the migrations replayed with psql (each
#   file in one transaction, one psql session), dropdb.  Target: within 1.5x.
# RUNS runs each (default 5), median wall time.
# Usage: [RUNS=N] [MIGRATIONS=N] bench/diff.sh [TABLES]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
TABLES=${1:-1000}
RUNS=${RUNS:-5}
MIGRATIONS=${MIGRATIONS:-10}
bench_init diff
export PGDATABASE=postgres
url() { echo "postgresql://postgres@/$1?host=$BENCH_DIR&port=$BENCH_PORT"; }

python3 bench/schema_gen.py "$TABLES" >"$WORK/base.sql"
python3 bench/schema_gen.py "$TABLES" --changed >"$WORK/changed.sql"
mkdir -p "$WORK/proj/migrations"
python3 - "$WORK/base.sql" "$WORK/proj/migrations" "$MIGRATIONS" <<'PY'
import os, sys
lines = open(sys.argv[1]).read().splitlines(keepends=True)
n = int(sys.argv[3])
per = -(-len(lines) // n)
for k in range(n):
    d = os.path.join(sys.argv[2], f"202501010000{k:02d}_part{k}")
    os.mkdir(d)
    open(os.path.join(d, "migration.sql"), "w").writelines(lines[k * per:(k + 1) * per])
PY
cp "$WORK/changed.sql" "$WORK/proj/schema.sql"
createdb from_db
createdb to_db
$BENCH_PSQL -qX -v ON_ERROR_STOP=1 -d from_db -f "$WORK/base.sql"
$BENCH_PSQL -qX -v ON_ERROR_STOP=1 -d to_db -f "$WORK/changed.sql"

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
timed() { # COMMAND...: seconds of one run
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}

floor() {
	local args=()
	for f in "$WORK"/proj/migrations/*_part*/migration.sql; do args+=(-c BEGIN -f "$f" -c COMMIT); done
	createdb replay_db
	$BENCH_PSQL -qX -v ON_ERROR_STOP=1 -d replay_db "${args[@]}"
	dropdb replay_db
}

new_from_schema() {
	(cd "$WORK/proj" && DATABASE_URL=$(url postgres) "$PGSHIFT" new change --from-schema)
}

"$PGSHIFT" diff --from "$(url from_db)" --to "$(url to_db)" >"$WORK/plan.sql" # warm the caches once
for _ in $(seq "$RUNS"); do timed "$PGSHIFT" diff --from "$(url from_db)" --to "$(url to_db)"; done | median >"$WORK/t_diff"
new_from_schema >"$WORK/written.txt"
ndirs=$(wc -l <"$WORK/written.txt")
for _ in $(seq "$RUNS"); do
	rm -rf "$WORK"/proj/migrations/*_change*
	timed new_from_schema
	timed floor >>"$WORK/floor_runs"
done | median >"$WORK/t_new"
median <"$WORK/floor_runs" >"$WORK/t_floor"

{
	echo "tables: $TABLES, migrations: $MIGRATIONS, runs: $RUNS (median), PostgreSQL $($BENCH_PSQL -qXAt -c 'SHOW server_version')"
	echo "change set: 20 tables altered, 5 added, 5 dropped, 50 indexes changed: $(grep -c ';$' "$WORK/plan.sql") statements, $ndirs migrations written"
	echo "pgshift diff URL URL:           $(cat "$WORK/t_diff") s"
	echo "pgshift new --from-schema:      $(cat "$WORK/t_new") s"
	echo "floor (createdb, psql replay, dropdb): $(cat "$WORK/t_floor") s"
	echo "ratio: $(echo "scale=2; $(cat "$WORK/t_new") / $(cat "$WORK/t_floor")" | bc)"
} | tee "$OUT/diff.txt"
