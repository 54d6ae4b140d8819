#!/usr/bin/env bash
# Benchmark: pgshift dump against pg_dump --schema-only on a generated schema.
#
# TABLES tables (default 1,000), each with a primary key, a foreign key to
# the table before it, a unique and a partial index, a column default that
# calls a function, and a comment; plus 20 views (a view on a view among
# them) and 20 functions.  Timed: `pgshift dump -o FILE` and `pg_dump
# --schema-only -f FILE`, RUNS times each (default 5), median wall time.
# Counted (one extra run of each, with log_statement=all for that session
# only): the statements each sends to the server.
# Usage: [RUNS=N] bench/dump.sh [TABLES]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
TABLES=${1:-1000}
RUNS=${RUNS:-5}
bench_init dump
export PGDATABASE=dumpbench
createdb dumpbench

python3 bench/schema_gen.py "$TABLES" >"$WORK/schema.sql"
$BENCH_PSQL -qX -v ON_ERROR_STOP=1 -f "$WORK/schema.sql"

time_runs() { # OUTFILE COMMAND...: prints the median seconds of RUNS runs
	local out=$1 t0 t1
	shift
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		"$@" >/dev/null
		t1=$(date +%s.%N)
		echo "$t1 - $t0" | bc
	done | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }' >"$out"
}

"$PGSHIFT" dump -o "$WORK/warm.sql" # warm the caches once
time_runs "$WORK/t_pgshift" "$PGSHIFT" dump -o "$WORK/pgshift.sql"
time_runs "$WORK/t_pgdump" "$BENCH_BINDIR/pg_dump" --schema-only -f "$WORK/pgdump.sql"

# Statements sent, counted in the server log of one more run of each.
count_statements() { # APPLICATION COMMAND...
	local app=$1 before after
	shift
	before=$(grep -cE "LOG:  (statement|execute [^:]*):" "$BENCH_DIR/log" || true)
	PGOPTIONS="-c log_statement=all" PGAPPNAME=$app "$@" >/dev/null
	sleep 0.5
	after=$(grep -cE "LOG:  (statement|execute [^:]*):" "$BENCH_DIR/log" || true)
	echo $((after - before))
}
pgshift_stats=$("$PGSHIFT" dump --stats -o "$WORK/pgshift.sql" 2>&1 >/dev/null)
# pgshift connects with application_name=pgshift; PGOPTIONS reaches libpq in both.
q_pgshift=$(count_statements pgshift "$PGSHIFT" dump -o "$WORK/pgshift.sql")
q_pgdump=$(count_statements pg_dump "$BENCH_BINDIR/pg_dump" --schema-only -f "$WORK/pgdump.sql")

{
	echo "tables: $TABLES, runs: $RUNS (median), PostgreSQL $($BENCH_PSQL -qXAt -c 'SHOW server_version')"
	echo "pgshift dump:          $(cat "$WORK/t_pgshift") s, $q_pgshift statements ($pgshift_stats), $(wc -c <"$WORK/pgshift.sql") bytes"
	echo "pg_dump --schema-only: $(cat "$WORK/t_pgdump") s, $q_pgdump statements, $(wc -c <"$WORK/pgdump.sql") bytes"
} | tee "$OUT/dump.txt"
