#!/bin/sh
# Installs the Debian packages pgshift needs to build and test, when missing.
# As root it runs apt-get; with sudo it uses sudo; otherwise it prints the
# apt-get line to run.  It never upgrades what is already installed.
# Arguments are further packages (make valgrind: valgrind), or the set `fuzz`
# (make fuzz: clang and its libFuzzer runtime).
set -eu

extra=""
for a in "$@"; do
	case $a in
	fuzz) extra="$extra clang libclang-rt-dev" ;;
	*) extra="$extra $a" ;;
	esac
done
PKGS="gcc make pkg-config libpq-dev libpg-query-dev libprotobuf-c-dev libssl-dev libjansson-dev
libcmocka-dev libcurl4-openssl-dev libicu-dev postgresql pgbouncer python3-pytest python3-psycopg python3-yaml $extra"
# The Prisma compatibility tests run the real Prisma CLI: Node.js and npm.  A
# machine that has them from elsewhere (nodesource) keeps its own.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo"
else
	echo "deps: run as root:  apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
