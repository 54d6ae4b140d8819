#!/usr/bin/env bash
# Benchmark: pgshift lint time against the number of -- pgshift:backfill
# directives in one file (each above its own UPDATE, about 40 bytes a pair).
# Lint should grow linearly: doubling N should about double the time.
# No database.  Median of RUNS runs per N, wall time, JSON output to /dev/null.
# Usage: bench/lint_directives.sh [RUNS] [N...]   (defaults: 3; 1000 2000 4000)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
shift || true
SIZES=${*:-1000 2000 4000}
PGSHIFT=$PWD/pgshift
[ -x "$PGSHIFT" ] || make -s all
WORK=$(mktemp -d /tmp/pgshift-lintdir.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git rev-parse --short HEAD 2>/dev/null) runs=$RUNS"
for n in $SIZES; do
	f=$WORK/m$n.sql
	python3 - "$n" >"$f" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(f"-- pgshift:backfill\nUPDATE t{i % 7} SET v = {i} WHERE v IS NULL;")
PY
	python3 - "$PGSHIFT" "$f" "$RUNS" "$n" <<'PY'
import os, statistics, subprocess, sys, time
exe, path, runs, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run([exe, "lint", "--format", "json", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
size = os.path.getsize(path)
print(f"{n:>6} directives, {size / 1024:6.0f} KB: median {statistics.median(times):.3f} s  "
      f"(runs: {', '.join(f'{x:.3f}' for x in times)})")
PY
done
