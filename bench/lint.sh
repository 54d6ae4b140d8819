#!/usr/bin/env bash
# Benchmark: pgshift lint against squawk on the same generated corpus.
#
# Corpus: bench/gen_corpus.py, 1,000 migration files of 100 statements
# (100,000 statements, a realistic mix), fixed seed.  Both tools lint every
# file single-threaded: pinned to one core with taskset (squawk also told
# RAYON_NUM_THREADS=1; by default it lints files on every core, which is
# measured too, for information).  JSON output to /dev/null.  squawk comes from the
# npm package squawk-cli (it ships its binary), installed into a cache
# directory outside the repository.  Medians of hyperfine runs.
# Usage: bench/lint.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-5}
PGSHIFT=$PWD/pgshift
[ -x "$PGSHIFT" ] || make -s all
bench_need_hyperfine
CACHE=${BENCH_CACHE:-$HOME/.cache/pgshift-bench}
if [ ! -x "$CACHE/node_modules/@squawk-cli/linux-x64/bin/squawk" ]; then
	mkdir -p "$CACHE"
	npm install --silent --prefix "$CACHE" squawk-cli >/dev/null
fi
SQUAWK=$CACHE/node_modules/@squawk-cli/linux-x64/bin/squawk
CORPUS=$(mktemp -d /tmp/pgshift-lint-corpus.XXXXXX)
trap 'rm -rf "$CORPUS"' EXIT
python3 bench/gen_corpus.py "$CORPUS" 1000 100
FILES=$(ls "$CORPUS"/*/migration.sql)
BYTES=$(cat $FILES | wc -c)
STMTS=100000
OUT=bench/out
mkdir -p "$OUT"
# Both exit non-zero when they find something: hyperfine -i keeps timing.
export RAYON_NUM_THREADS=1
hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$OUT/lint_pgshift.json" \
	"taskset -c 0 $PGSHIFT lint --format json $FILES" >/dev/null
hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$OUT/lint_squawk.json" \
	"taskset -c 0 $SQUAWK --reporter json $FILES" >/dev/null
unset RAYON_NUM_THREADS
hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$OUT/lint_squawk_mt.json" \
	"$SQUAWK --reporter json $FILES" >/dev/null
p=$(bench_median "$OUT/lint_pgshift.json"); s=$(bench_median "$OUT/lint_squawk.json")
smt=$(bench_median "$OUT/lint_squawk_mt.json")
{
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git rev-parse --short HEAD 2>/dev/null) runs=$RUNS $($SQUAWK --version)"
python3 - "$p" "$s" "$STMTS" "$BYTES" "$smt" <<'PY'
import sys
p, s, n, b, smt = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print(f"corpus: {n} statements, {b / 1e6:.1f} MB in 1000 files")
print(f"pgshift lint (1 core): {p:.3f} s  {n / p:,.0f} statements/s  {b / 1e6 / p:.1f} MB/s")
print(f"squawk (1 core)      : {s:.3f} s  {n / s:,.0f} statements/s  {b / 1e6 / s:.1f} MB/s")
print(f"squawk (all cores)   : {smt:.3f} s  {n / smt:,.0f} statements/s")
print(f"single-threaded, pgshift is {s / p:.2f}x the speed of squawk")
PY
} | tee -a "$OUT/lint.txt"
