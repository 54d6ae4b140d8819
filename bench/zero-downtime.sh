#!/usr/bin/env bash
# Benchmark: what the application sees while a migration waits on a lock.
#
# A 1,000,000-row users table; pgbench plays the application (8 clients,
# reads and writes on users) for DURATION seconds (default 60).  Ten seconds
# in, a long transaction takes a lock on users for 20 s; two seconds later
# the migrations are applied (a new table, the contended ALTER TABLE users
# ADD COLUMN, an index CONCURRENTLY), by:
#   baseline  nobody (the blocker alone)
#   pgshift   pgshift deploy with its default settings (no flags)
#   psql      psql -f, no lock_timeout: the ALTER queues behind the blocker and
#             every application query queues behind the ALTER
# Then the two-table case, for DURATION/2 seconds with no blocker: posts
# references users, the application inserts a post and updates its user in
# one transaction; ten seconds in, one migration alters users, then posts:
#   pgshift-2t  pgshift deploy, defaults
#   psql-2t     psql -1 -f, no lock_timeout
# Reported per run: pgbench latency average and p99 (from its per-transaction
# log), the worst latency and failed transactions (deadlocks).  Results
# appended to bench/out/zero-downtime.txt.
# Usage: bench/zero-downtime.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${1:-60}
bench_init zd
PGBENCH=$BENCH_BINDIR/pgbench

mkdir -p "$WORK/m/20250101000001_orders" "$WORK/m/20250101000002_nickname" "$WORK/m/20250101000003_idx"
echo "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int NOT NULL);" \
	>"$WORK/m/20250101000001_orders/migration.sql"
echo "ALTER TABLE users ADD COLUMN nickname text;" >"$WORK/m/20250101000002_nickname/migration.sql"
echo "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_visits_idx ON users (visits);" \
	>"$WORK/m/20250101000003_idx/migration.sql"
cat "$WORK"/m/*/migration.sql >"$WORK/all.sql"
sed -i 's/CREATE INDEX CONCURRENTLY/CREATE INDEX/' "$WORK/all.sql"	# psql -f runs it in one go
cat >"$WORK/app.sql" <<'SQL'
\set id random(1, 1000000)
SELECT name, visits FROM users WHERE id = :id;
UPDATE users SET visits = visits + 1 WHERE id = :id;
SQL
mkdir -p "$WORK/m2/20250101000001_both"
printf 'ALTER TABLE users ADD COLUMN nickname text;\nALTER TABLE posts ADD COLUMN edited_at timestamptz;\n' \
	>"$WORK/m2/20250101000001_both/migration.sql"
cp "$WORK/m2/20250101000001_both/migration.sql" "$WORK/both.sql"
cat >"$WORK/app2.sql" <<'SQL'
\set id random(1, 100000)
BEGIN;
INSERT INTO posts (user_id, body) VALUES (:id, 'hello');
UPDATE users SET visits = visits + 1 WHERE id = :id;
COMMIT;
SQL

setup() {
	dropdb --if-exists -f zd >/dev/null 2>&1 || true
	createdb zd
	$BENCH_PSQL -qX -d zd -c "CREATE TABLE users (id int PRIMARY KEY, name text, visits int NOT NULL DEFAULT 0);
		INSERT INTO users SELECT g, 'user' || g, 0 FROM generate_series(1, 1000000) g;"
	$BENCH_PSQL -qX -d zd -c "VACUUM ANALYZE users"
}

setup2() {
	dropdb --if-exists -f zd >/dev/null 2>&1 || true
	createdb zd
	$BENCH_PSQL -qX -d zd -c "CREATE TABLE users (id int PRIMARY KEY, name text, visits int NOT NULL DEFAULT 0);
		INSERT INTO users SELECT g, 'user' || g, 0 FROM generate_series(1, 100000) g;
		CREATE TABLE posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			user_id int NOT NULL REFERENCES users, body text);
		CREATE INDEX ON posts (user_id);"
	$BENCH_PSQL -qX -d zd -c "VACUUM ANALYZE"
}

run() { # NAME: one scenario
	local name=$1 logdir=$WORK/log_$1
	mkdir -p "$logdir"
	case $name in
	*-2t)
		setup2
		(cd "$logdir" && $PGBENCH -n -c 8 -j 2 -T $((DURATION / 2)) -l -f "$WORK/app2.sql" zd \
			>"$logdir/out.txt" 2>&1) &
		sleep 10 ;;
	*)
		setup
		(cd "$logdir" && $PGBENCH -n -c 8 -j 2 -T "$DURATION" -l -f "$WORK/app.sql" zd >"$logdir/out.txt" 2>&1) &
		sleep 10
		$BENCH_PSQL -qX -d zd -c "BEGIN; SELECT count(*) FROM users WHERE id < 10; SELECT pg_sleep(20); COMMIT;" \
			>/dev/null &
		sleep 2 ;;
	esac
	local t0 t1
	t0=$(date +%s.%N)
	case $name in
	pgshift) PGDATABASE=zd "$PGSHIFT" deploy --dir "$WORK/m" >"$logdir/migrate.txt" 2>&1 || echo "pgshift deploy failed" ;;
	psql) $BENCH_PSQL -qX -d zd -v ON_ERROR_STOP=1 -f "$WORK/all.sql" >"$logdir/migrate.txt" 2>&1 || echo "psql failed" ;;
	pgshift-2t) PGDATABASE=zd "$PGSHIFT" deploy --dir "$WORK/m2" >"$logdir/migrate.txt" 2>&1 ||
			echo "pgshift deploy failed" ;;
	psql-2t) $BENCH_PSQL -qX -d zd -v ON_ERROR_STOP=1 -1 -f "$WORK/both.sql" >"$logdir/migrate.txt" 2>&1 ||
			echo "psql failed: $(grep -m1 ERROR "$logdir/migrate.txt")" ;;
	esac
	t1=$(date +%s.%N)
	wait
	python3 - "$name" "$logdir" "$t0" "$t1" <<'PY'
import glob, re, sys
name, d, t0, t1 = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
lat, window = [], []
for f in glob.glob(d + "/pgbench_log.*"):
    for line in open(f):
        p = line.split()
        if not p[2].isdigit():      # "failed" (a deadlock) or "skipped"
            continue
        ms = int(p[2]) / 1000.0
        end = int(p[4]) + int(p[5]) / 1e6
        lat.append(ms)
        # the blocker starts 2 s before the migration: that is the window the app can feel
        if t0 - 2 <= end <= max(t1, t0) + 1:
            window.append(ms)
lat.sort()
window.sort()
slow = sum(1 for x in lat if x > 1000)
wp99 = window[int(0.99 * (len(window) - 1))] if window else 0
out = open(d + "/out.txt").read()
failed = re.search(r"number of failed transactions: (\d+)", out)
tx = len(lat)
p99 = lat[int(0.99 * (tx - 1))] if tx else 0
avg = sum(lat) / tx if tx else 0
print(f"{name:10s} tx {tx:7d}  avg {avg:6.2f} ms  p99 {p99:7.2f} ms  p99 in window {wp99:8.2f} ms  "
      f"max {lat[-1] if lat else 0:8.1f} ms  tx>1s {slow:4d}  failed {failed.group(1) if failed else '?':>2s}  "
      f"migration {'-' if name == 'baseline' else f'{t1 - t0:.1f} s'}")
PY
}

{
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git rev-parse --short HEAD 2>/dev/null) duration=${DURATION}s"
run baseline
run pgshift
run psql
run pgshift-2t
run psql-2t
} | tee -a "$OUT/zero-downtime.txt"
