#!/usr/bin/env bash
# Benchmark: one UPDATE of every row against pgshift backfill, with the
# application writing to the same table.
#
# ROWS rows (default 1,000,000: this 2-core machine is slow for 5M) in t(id,
# n, done, hits).  pgbench plays the application: 4 clients updating random
# rows (hits = hits + 1).  Three runs of WINDOW seconds of pgbench each:
#   idle      pgbench alone (the baseline latency)
#   update    UPDATE t SET n = n + 1, done = true WHERE NOT done   (one statement)
#   backfill  pgshift backfill --table t --set "n = n + 1, done = true" --where "NOT done"
#   backfill50  the same with --target-ms 50 --batch 500 (shorter row locks)
#   backfill-t  --target-ms 20 --batch 500 --sleep 10ms (CPU left to the app between batches)
#   cpu-hog     no database work: one process spinning on a core for 10 s
#               (the control: what taking one of the two cores alone does)
# Reported: the operation's time and rows/s, the longest time a row stays
# locked (the UPDATE's whole run; backfill's longest batch), and pgbench's
# p99 and max latency and failed transactions while the operation ran.
# APP_RATE=N runs the application at N transactions/s in all (pgbench -R;
# latency then counts from each transaction's scheduled start), instead of
# as fast as it can; RUNS="idle backfill" picks the runs.
# Usage: [APP_RATE=N] [RUNS="..."] bench/backfill.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ROWS=${1:-1000000}
bench_init bf
PGBENCH=$BENCH_BINDIR/pgbench
APP_RATE=${APP_RATE:-}
RUNS=${RUNS:-idle update backfill backfill50 backfill-t}
export PGDATABASE=bf
cat >"$WORK/app.sql" <<SQL
\set id random(1, $ROWS)
UPDATE t SET hits = hits + 1 WHERE id = :id;
SQL

setup() {
	dropdb --if-exists -f bf >/dev/null 2>&1 || true
	createdb bf
	$BENCH_PSQL -qX -c "CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 0, done bool NOT NULL DEFAULT false,
		hits int NOT NULL DEFAULT 0); INSERT INTO t (id) SELECT generate_series(1, $ROWS);"
	$BENCH_PSQL -qX -c "VACUUM ANALYZE t"
}

run() { # NAME
	local name=$1 d=$WORK/$1 t0 t1
	setup
	mkdir -p "$d"
	(cd "$d" && exec $PGBENCH -n -c 4 -j 2 -T 600 ${APP_RATE:+-R $APP_RATE} -l -f "$WORK/app.sql" >"$d/out.txt" 2>&1) &
	local bench=$!
	sleep 3
	t0=$(date +%s.%N)
	case $name in
	idle) sleep 15 ;;
	cpu-hog) timeout 10 sh -c 'while :; do :; done' || true ;;
	update) $BENCH_PSQL -qX -c "UPDATE t SET n = n + 1, done = true WHERE NOT done" >/dev/null ;;
	backfill) "$PGSHIFT" backfill --table t --set "n = n + 1, done = true" --where "NOT done" >"$d/bf.txt" ;;
	backfill50) "$PGSHIFT" backfill --table t --set "n = n + 1, done = true" --where "NOT done" \
			--target-ms 50 --batch 500 >"$d/bf.txt" ;;
	backfill-t) "$PGSHIFT" backfill --table t --set "n = n + 1, done = true" --where "NOT done" \
			--target-ms 20 --batch 500 --sleep 10ms >"$d/bf.txt" ;;
	esac
	t1=$(date +%s.%N)
	sleep 1
	kill -INT "$bench" 2>/dev/null || true
	wait "$bench" 2>/dev/null || true
	python3 - "$name" "$d" "$t0" "$t1" "$ROWS" <<'PY'
import glob, re, sys
name, d, t0, t1, rows = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
lat, svc = [], []
for f in glob.glob(d + "/pgbench_log.*"):
    for line in open(f):
        p = line.split()
        if len(p) < 6 or not p[2].isdigit():
            continue    # a line cut short when pgbench was stopped, or a failure record
        end = int(p[4]) + int(p[5]) / 1e6
        if t0 <= end <= t1 + 0.5:
            lat.append(int(p[2]) / 1000.0)
            # with -R, time counts from the scheduled start; minus schedule_lag it is the server's part
            svc.append((int(p[2]) - (int(p[6]) if len(p) > 6 else 0)) / 1000.0)
lat.sort()
svc.sort()
p99 = lat[int(0.99 * (len(lat) - 1))] if lat else 0
s99 = svc[int(0.99 * (len(svc) - 1))] if svc else 0
failed = sum(1 for f in glob.glob(d + "/pgbench_log.*") for line in open(f)
             if len(line.split()) > 2 and line.split()[2] == "failed")
el = t1 - t0
lock = el * 1000
if name.startswith("backfill"):
    m = re.search(r"longest batch \(row locks held\) (\d+) ms", open(d + "/bf.txt").read())
    lock = float(m.group(1)) if m else -1
print(f"{name:10s} {el:7.2f} s  " + ("" if name in ("idle", "cpu-hog") else f"{rows / el:9.0f} rows/s  longest row lock {lock:8.0f} ms  ")
      + f"app tx {len(lat):6d}  p99 {p99:8.2f} ms  max {lat[-1] if lat else 0:9.1f} ms  failed {failed}"
      + (f"  p99 without schedule lag {s99:8.2f} ms" if svc != lat else ""))
PY
}

{
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git rev-parse --short HEAD 2>/dev/null) rows=$ROWS app=${APP_RATE:-max} tx/s"
for r in $RUNS; do run "$r"; done
} | tee -a "$OUT/backfill.txt"
