#!/usr/bin/env bash
# Benchmark: pgshift deploy and status against their floors.
#
#   deploy: N trivial migrations (CREATE TABLE t_N (id int)) into an empty
#     database, N = 200 and 1000.  Floor: the same statements plus one
#     history INSERT each, one transaction per migration, in a single psql
#     session.
#   status: with 1000 applied.  Floor: psql -c 'select 1' with the same
#     connection settings (unix socket, same user and database).
#
# Medians of hyperfine runs; results appended to bench/out/deploy.txt.
# Usage: bench/deploy.sh [RUNS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-7}
bench_need_hyperfine
bench_init bench-proj

make_project() { # N -> $WORK/pN with N migrations and the floor script
	local n=$1 dir=$WORK/p$1
	mkdir -p "$dir/migrations"
	: >"$dir/floor.sql"
	for i in $(seq 1 "$n"); do
		local v name
		v=$(printf '20250101%02d%02d%02d' $((i / 3600)) $((i / 60 % 60)) $((i % 60)))	# a real UTC time
		name=${v}_t_$i
		mkdir -p "$dir/migrations/$name"
		printf 'CREATE TABLE t_%d (id int);\n' "$i" >"$dir/migrations/$name/migration.sql"
		printf "BEGIN;\nCREATE TABLE t_%d (id int);\nINSERT INTO floor_history (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ('%s', '%064d', '%s', now(), clock_timestamp(), 1);\nCOMMIT;\n" \
			"$i" "$(cat /proc/sys/kernel/random/uuid)" "$i" "$name" >>"$dir/floor.sql"
	done
}

reset_db='dropdb --if-exists -f bench >/dev/null 2>&1; createdb bench'
floor_table="CREATE TABLE floor_history (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0)"
export PGDATABASE=bench
{
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git rev-parse --short HEAD 2>/dev/null) runs=$RUNS"
for n in 200 1000; do
	make_project "$n"
	hyperfine -N --runs "$RUNS" --export-json "$OUT/deploy_$n.json" \
		--prepare "sh -c \"$reset_db\"" \
		"$PGSHIFT deploy --dir $WORK/p$n/migrations" >/dev/null
	hyperfine -N --runs "$RUNS" --export-json "$OUT/floor_$n.json" \
		--prepare "sh -c \"$reset_db; $BENCH_PSQL -qX -c '$floor_table'\"" \
		"$BENCH_PSQL -qX -v ON_ERROR_STOP=1 -f $WORK/p$n/floor.sql" >/dev/null
	d=$(bench_median "$OUT/deploy_$n.json"); f=$(bench_median "$OUT/floor_$n.json")
	python3 -c "import sys; d,f=map(float,sys.argv[1:]); print(f'deploy  N=%-5s pgshift %.3f s  floor(psql) %.3f s  ratio %.3f' % ('$n', d, f, d/f))" "$d" "$f"
done
# status with 1000 applied
sh -c "$reset_db"
"$PGSHIFT" deploy --dir "$WORK/p1000/migrations" >/dev/null
hyperfine -N --warmup 3 --runs $((RUNS * 5)) --export-json "$OUT/status.json" \
	"$PGSHIFT status --dir $WORK/p1000/migrations" >/dev/null
hyperfine -N --warmup 3 --runs $((RUNS * 5)) --export-json "$OUT/status_floor.json" \
	"$BENCH_PSQL -qX -c 'select 1'" >/dev/null
s=$(bench_median "$OUT/status.json"); f=$(bench_median "$OUT/status_floor.json")
python3 -c "import sys; d,f=map(float,sys.argv[1:]); print('status  N=1000  pgshift %.4f s  floor(psql select 1) %.4f s  ratio %.3f' % (d, f, d/f))" "$s" "$f"
} | tee -a "$OUT/deploy.txt"
