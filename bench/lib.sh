# Shared by the benchmarks: a throwaway PostgreSQL cluster with default
# settings (durable commits: fsync on), reached over its unix socket, run as
# the postgres user when we are root.  Source it; call bench_pg_start, and
# bench_pg_stop on exit.

BENCH_BINDIR=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
BENCH_PSQL=$BENCH_BINDIR/psql

bench_as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bench_pg_start() {
	BENCH_DIR=$(mktemp -d /tmp/pgshift-bench.XXXXXX)
	chmod 755 "$BENCH_DIR"
	[ "$(id -u)" = 0 ] && chown postgres "$BENCH_DIR"
	bench_as_pg "$BENCH_BINDIR/initdb" -D "$BENCH_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	BENCH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	bench_as_pg "$BENCH_BINDIR/pg_ctl" -D "$BENCH_DIR/data" -l "$BENCH_DIR/log" -w \
		-o "-c listen_addresses='' -c unix_socket_directories='$BENCH_DIR' -p $BENCH_PORT" start >/dev/null
	export PGHOST=$BENCH_DIR PGPORT=$BENCH_PORT PGUSER=postgres
}

# bench_init TAG: the pgshift binary (built when missing) in $PGSHIFT, a
# running throwaway cluster, $OUT for results and an empty $WORK (mode 755,
# so the postgres user can read it), all cleaned up on exit.
bench_init() {
	PGSHIFT=$PWD/pgshift
	[ -x "$PGSHIFT" ] || make -s all
	trap bench_pg_stop EXIT
	bench_pg_start
	OUT=$PWD/bench/out
	mkdir -p "$OUT"
	WORK=$(mktemp -d "/tmp/pgshift-$1.XXXXXX")
	chmod 755 "$WORK"
	trap 'bench_pg_stop; rm -rf "$WORK"' EXIT
}

bench_pg_stop() {
	[ -n "${BENCH_DIR:-}" ] || return 0
	bench_as_pg "$BENCH_BINDIR/pg_ctl" -D "$BENCH_DIR/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$BENCH_DIR"
}

bench_need_hyperfine() {
	command -v hyperfine >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null
	else
		echo "bench: install hyperfine (apt-get install hyperfine)" >&2
		exit 1
	fi
}

# bench_median FILE.json -> median seconds of the first command
bench_median() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"
}
