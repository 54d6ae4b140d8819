#!/bin/sh
# Runs one libFuzzer target (make fuzz) for SECONDS on a scratch copy of its
# seed corpus, tests/fuzz/corpus/AREA for build-fuzz/fuzz/fuzz_AREA (with the
# dictionary tests/fuzz/AREA.dict, or sql.dict for SQL input), so that
# new inputs never land in the repository.  The target's own scratch files
# go under the same throwaway directory (TMPDIR); a crashing input is kept
# in build-fuzz/crashes/.
#   sh tests/fuzz/run.sh build-fuzz/fuzz/fuzz_AREA SECONDS
set -eu

bin=$1
seconds=$2
name=$(basename "$bin")
corpus=tests/fuzz/corpus/${name#fuzz_}
crashes=$(dirname "$(dirname "$bin")")/crashes
case $name in
fuzz_script | fuzz_lint | fuzz_migset) dict=tests/fuzz/sql.dict ;;
*) dict=tests/fuzz/${name#fuzz_}.dict ;;
esac
[ -f "$dict" ] && dict="-dict=$dict" || dict=""

scratch=$(mktemp -d "${TMPDIR:-/tmp}/pgshift-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
mkdir -p "$scratch/corpus" "$scratch/tmp" "$crashes"
cp "$corpus"/* "$scratch/corpus/"
echo "== $name: ${seconds}s, $(ls "$corpus" | wc -l) seeds"
# -close_fd_mask=1: `--help` inputs print usage to stdout; findings go to stderr.
TMPDIR="$scratch/tmp" "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=1 \
	-artifact_prefix="$crashes/$name-" -print_final_stats=1 $dict "$scratch/corpus" 2>"$scratch/log" || {
	rc=$?
	tail -n 60 "$scratch/log" >&2
	echo "fuzz: $name failed (exit $rc); the input is in $crashes/" >&2
	exit "$rc"
}
grep -E '^#[0-9]+[[:space:]]+DONE' "$scratch/log" || tail -n 3 "$scratch/log"
