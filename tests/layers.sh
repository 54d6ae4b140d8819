#!/bin/sh
# layers: the layering rules of docs/ARCHITECTURE.md, checked on the sources.
#   - src/cmd/ never includes libpq-fe.h nor calls a PQ function: only a PGconn crosses into it;
#     no header includes libpq-fe.h (db/conn.h declares PGconn), so no cmd/ file gets it through one.
#   - src/cmd/ never includes db/apply.h: applying a script (deploy's, rollback's) is an engine of run/.
#   - src/cmd/ never includes util/proc.h nor util/http.h: running git or a program, and the deploy
#     hook's HTTP call, are engines of run/ (or devdb/, core/).
#   - src/run/ includes nothing of src/cmd/.
#   - src/run/, src/db/, src/schema/ and src/core/ never print: no util/output.h, no jansson.h,
#     no printf, fprintf, puts or fputs (they fill a pgs_error or emit run/ events).
# Prints each breach as FILE:LINE: TEXT and exits 1 when there is one.
cd "$(dirname "$0")/.." || exit 2

# Lines let through for now (an extended regular expression on FILE:LINE: TEXT): none.
known='^$'

status=0
breach() {
	# $1: what is wrong; $2: extended regular expression; the rest: files
	what=$1
	re=$2
	shift 2
	for f in "$@"; do
		# comments are not code: drop // lines and the lines of /* ... */ blocks before matching
		hits=$(awk '
			/\/\*/ { incomment = 1 }
			{ if (!incomment && $0 !~ /^[ \t]*\/\//) print FILENAME ":" FNR ": " $0 }
			/\*\// { incomment = 0 }
		' "$f" | grep -E "$re" | grep -Ev "$known")
		if [ -n "$hits" ]; then
			printf '%s\n' "$hits" | while IFS= read -r line; do printf '%s   <- %s\n' "$line" "$what"; done
			status=1
		fi
	done
}

breach "cmd/ must not include libpq-fe.h" '#[[:space:]]*include[[:space:]]*<libpq-fe\.h>' src/cmd/*.[ch]
breach "headers must not include libpq-fe.h (db/conn.h declares PGconn)" '#[[:space:]]*include[[:space:]]*<libpq-fe\.h>' src/*/*.h
breach "cmd/ must not call libpq (use a db/ function)" '(^|[^A-Za-z0-9_])PQ[a-z][A-Za-z]*[[:space:]]*\(' src/cmd/*.[ch]
breach "cmd/ must not include db/apply.h (applying scripts is run/'s)" '#[[:space:]]*include[[:space:]]*"db/apply\.h"' src/cmd/*.[ch]
breach "cmd/ must not include util/proc.h (running programs is run/'s)" '#[[:space:]]*include[[:space:]]*"util/proc\.h"' src/cmd/*.[ch]
breach "cmd/ must not include util/http.h (the hook's call is run/'s)" '#[[:space:]]*include[[:space:]]*"util/http\.h"' src/cmd/*.[ch]
breach "run/ is under cmd/: it must not include cmd/ headers" '#[[:space:]]*include[[:space:]]*"cmd/' src/run/*.[ch]
for dir in run db schema core; do
	breach "$dir/ must not print (util/output.h)" '#[[:space:]]*include[[:space:]]*"util/output\.h"' src/$dir/*.[ch]
	breach "$dir/ must not use jansson" '#[[:space:]]*include[[:space:]]*<jansson\.h>' src/$dir/*.[ch]
	breach "$dir/ must not print" '(^|[^A-Za-z0-9_])(printf|fprintf|puts|fputs|putchar|vprintf|vfprintf)[[:space:]]*\(' src/$dir/*.[ch]
done
[ $status = 0 ] || echo "layers: the rules are in docs/ARCHITECTURE.md (Layout)" >&2
exit $status
