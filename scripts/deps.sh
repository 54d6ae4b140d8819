#!/bin/sh
# Installs the Debian packages pgshift needs, when missing.
#
#   sh scripts/deps.sh [--list] [SET | PACKAGE]...
#
# SET is one of
#   build     compiling pgshift (compiler, make, the -dev packages);
#   runtime   running a built pgshift: only the shared libraries, read from
#             what the build set's -dev packages depend on (their names
#             change between releases: libssl3 / libssl3t64, libpg-query...);
#   test      make test, on top of build and runtime (cmocka, PostgreSQL,
#             PgBouncer, pytest, Node.js and npm for the Prisma tests);
#   all       build, runtime and test (the default: what `make deps` installs).
#   fuzz      make fuzz: clang and its libFuzzer runtime.
# Any other word is one more package (make valgrind: valgrind); with no SET
# named, all is taken.  --list prints the packages and installs nothing.
# As root it runs apt-get; with sudo it uses sudo; otherwise it prints the
# apt-get line to run.  It never upgrades what is already installed.
set -eu

BUILD="gcc make pkg-config libpq-dev libpg-query-dev libprotobuf-c-dev libssl-dev libjansson-dev
libcurl4-openssl-dev libicu-dev"
# The -dev packages whose shared libraries pgshift loads (libicu-dev: one header, nothing linked).
LINKED="libpq-dev libpg-query-dev libprotobuf-c-dev libssl-dev libjansson-dev libcurl4-openssl-dev"
TEST="libcmocka-dev postgresql pgbouncer python3-pytest python3-psycopg python3-yaml git"

# The library packages a -dev package depends on (not -dev ones, not virtual <names>).
runtime_of() {
	apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "$1" |
		awk '$1 == "Depends:" && $2 ~ /^lib/ && $2 !~ /-dev$/ && $2 !~ /^</ { print $2 }'
}

if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo"
else
	SUDO="-"
fi
updated=0
apt_update() {
	[ "$updated" = 0 ] || return 0
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	updated=1
}

list=0
sets=""
extra=""
for a in "$@"; do
	case $a in
	--list) list=1 ;;
	build | runtime | test | all) sets="$sets $a" ;;
	fuzz) extra="$extra clang libclang-rt-dev" ;;
	-*) echo "deps: unknown option $a (sets: build runtime test all fuzz)" >&2; exit 2 ;;
	*) extra="$extra $a" ;;
	esac
done
[ -n "$sets" ] || sets=all

PKGS=""
for s in $sets; do
	case $s in
	build) PKGS="$PKGS $BUILD" ;;
	runtime)
		for d in $LINKED; do
			libs=$(runtime_of "$d" 2>/dev/null || true)
			# a fresh machine may have no package lists yet
			if [ -z "$libs" ] && [ "$list" = 0 ] && [ "$SUDO" != "-" ]; then
				apt_update
				libs=$(runtime_of "$d" 2>/dev/null || true)
			fi
			if [ -z "$libs" ]; then
				echo "deps: apt knows no package $d (apt-get update first?)" >&2
				exit 1
			fi
			PKGS="$PKGS $libs"
		done ;;
	test | all)
		[ "$s" = test ] || PKGS="$PKGS $BUILD"
		PKGS="$PKGS $TEST"
		# The Prisma compatibility tests run the real Prisma CLI: Node.js and npm.  A
		# machine that has them from elsewhere (nodesource) keeps its own.
		command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm" ;;
	esac
done
PKGS=$(echo $PKGS $extra | tr ' ' '\n' | awk 'NF && !seen[$0]++' | tr '\n' ' ')

if [ "$list" = 1 ]; then
	echo $PKGS
	exit 0
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$SUDO" = "-" ]; then
	echo "deps: run as root:  apt-get install -y$missing" >&2
	exit 1
fi
apt_update
$SUDO apt-get install -y -qq --no-install-recommends $missing
