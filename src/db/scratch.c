/*
 * scratch: the database pgshift replays into, created and dropped here or
 * given as a shadow and emptied here (see scratch.h for the rules).
 */
#include "db/scratch.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "db/conn.h"
#include "db/quote.h"
#include "db/reset.h"
#include "util/buf.h"
#include "util/exitcodes.h"

static volatile sig_atomic_t interrupted;
/*
 * The registry of open scratches: used[i] while slot i is taken, cancels[i]
 * its connection's cancel handle once connected (PQcancel may be called
 * from a signal handler).  Changed only by scratch_open and scratch_close.
 */
static bool used[SCRATCH_MAX];
static PGcancel *volatile cancels[SCRATCH_MAX];
/* The other connections a signal cancels (scratch_watch): the connection and its cancel handle. */
static PGconn *watched[SCRATCH_MAX];
static PGcancel *volatile watched_cancels[SCRATCH_MAX];
static int nopen;
static struct sigaction old_int, old_term;

static void on_signal(int sig)
{
	char errbuf[256];

	(void)sig;
	interrupted = 1;
	for (int i = 0; i < SCRATCH_MAX; i++) {
		PGcancel *c = cancels[i];

		if (c)
			PQcancel(c, errbuf, sizeof(errbuf));
		c = watched_cancels[i];
		if (c)
			PQcancel(c, errbuf, sizeof(errbuf));
	}
}

int scratch_watch(PGconn *conn, struct pgs_error *err)
{
	for (int i = 0; i < SCRATCH_MAX; i++) {
		if (watched[i])
			continue;
		watched[i] = conn;
		watched_cancels[i] = PQgetCancel(conn);
		return 0;
	}
	return err_set(err, EXIT_FAILURE_, "more than %d connections watched at once", SCRATCH_MAX);
}

void scratch_unwatch(PGconn *conn)
{
	for (int i = 0; i < SCRATCH_MAX; i++) {
		PGcancel *c = watched_cancels[i];

		if (watched[i] != conn)
			continue;
		watched_cancels[i] = NULL;
		watched[i] = NULL;
		if (c)
			PQfreeCancel(c);
	}
}

void scratch_cancel(const struct scratch *s)
{
	char errbuf[256];
	PGcancel *c = s->slot ? cancels[s->slot - 1] : NULL;

	if (c)
		PQcancel(c, errbuf, sizeof(errbuf));
}

bool scratch_interrupted(void)
{
	return interrupted != 0;
}

/* Takes a slot of the registry for s; the first one open catches the signals. */
static int take_slot(struct scratch *s, struct pgs_error *err)
{
	int i = 0;

	while (i < SCRATCH_MAX && used[i])
		i++;
	if (i == SCRATCH_MAX)
		return err_set(err, EXIT_FAILURE_, "more than %d scratch databases open at once", SCRATCH_MAX);
	if (nopen++ == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		interrupted = 0;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}
	used[i] = true;
	s->slot = i + 1;
	return 0;
}

/* Forgets the cancel handle of s (before its connection is closed). */
static void forget_cancel(const struct scratch *s)
{
	PGcancel *c;

	if (!s->slot)
		return;
	c = cancels[s->slot - 1];
	cancels[s->slot - 1] = NULL;
	if (c)
		PQfreeCancel(c);
}

/* Frees the slot of s; the last one closed puts the handlers back (after its drop, so a signal cannot skip it). */
static void release_slot(struct scratch *s)
{
	if (!s->slot)
		return;
	used[s->slot - 1] = false;
	s->slot = 0;
	if (--nopen == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
}

char *scratch_new_name(void)
{
	unsigned char r[4];

	if (RAND_bytes(r, sizeof(r)) != 1) {
		/* unique enough with the pid: only this process uses the name */
		unsigned long t = (unsigned long)time(NULL);
		memcpy(r, &t, sizeof(r));
	}
	return xasprintf("pgshift_scratch_%ld_%02x%02x%02x%02x", (long)getpid(), r[0], r[1], r[2], r[3]);
}

/* One row saying which server instance and which database a connection reaches. */
static char *identity(PGconn *conn, struct pgs_error *err)
{
	PGresult *res = PQexec(conn, "SELECT current_database() || '/' || d.oid || '/' || pg_postmaster_start_time() || "
				     "'/' || current_setting('port') FROM pg_database d WHERE d.datname = current_database()");
	char *id = NULL;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		db_result_error(conn, res, "could not ask which database this is", err);
	else
		id = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return id;
}

int scratch_same_database(PGconn *a, PGconn *b, struct pgs_error *err)
{
	char *x = identity(a, err);
	char *y = x ? identity(b, err) : NULL;
	int rc = y ? !strcmp(x, y) : -1;

	free(x);
	free(y);
	return rc;
}

/* Whether the role of conn may create databases: 1, 0, or -1 with err. */
static int may_create_databases(PGconn *conn, struct pgs_error *err)
{
	PGresult *res = PQexec(conn, "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user");
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = db_result_error(conn, res, "could not read whether the role may create databases", err);
	} else {
		rc = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
	}
	PQclear(res);
	return rc;
}

/*
 * CREATE DATABASE from template0 (template1 may hold objects of its own);
 * on the target's server with the target's encoding and locale.
 */
static int create_database(PGconn *admin, const char *name, bool like_target, struct pgs_error *err)
{
	PGresult *res = NULL;
	struct buf sql = BUF_INIT;
	char *ident = db_quote_ident(admin, name, "the scratch database name", err);
	int rc = -1;

	if (!ident)
		goto out;
	buf_addf(&sql, "CREATE DATABASE %s TEMPLATE template0", ident);
	if (like_target) {
		res = PQexec(admin, "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
				    "WHERE datname = current_database()");
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
			db_result_error(admin, res, "could not read the target database's encoding", err);
			goto out;
		}
		for (int i = 0; i < 3; i++) {
			static const char *const words[] = { "ENCODING", "LC_COLLATE", "LC_CTYPE" };
			char *lit = db_quote_literal(admin, PQgetvalue(res, 0, i), "the target database's locale", err);

			if (!lit)
				goto out;
			buf_addf(&sql, " %s %s", words[i], lit);
			free(lit);
		}
	}
	if (db_exec(admin, sql.data, "could not create a scratch database", err) < 0)
		goto out;
	rc = 0;
out:
	PQclear(res);
	buf_release(&sql);
	free(ident);
	return rc;
}

/* Creates the scratch database through admin (on server) and connects to it. */
static int create_on(struct scratch *s, PGconn *admin, bool admin_owned, const struct target *server, bool like_target,
		     const char *where, struct pgs_error *err)
{
	s->admin = admin;
	s->admin_owned = admin_owned;
	s->name = scratch_new_name();
	s->where = xasprintf("scratch database %s on %s", s->name, where);
	/* marked before it exists: a CREATE cut short by a signal may still have made it */
	s->created = true;
	if (create_database(admin, s->name, like_target, err) < 0)
		return -1;
	s->conn = db_connect_dbname(server, s->name, err);
	return s->conn ? 0 : -1;
}

static int open_shadow(const struct scratch_request *r, struct scratch *s, struct pgs_error *err)
{
	int same;

	s->conn = db_connect(r->shadow, err);
	if (!s->conn) {
		err_prefix(err, "shadow database");
		err_hint(err, "--shadow-url (or PGSHIFT_SHADOW_URL) must name a reachable database pgshift may empty; "
			      "without it pgshift creates one on the dev cluster (pgshift dev up)");
		return -1;
	}
	same = r->target_conn ? scratch_same_database(s->conn, r->target_conn, err) : 0;
	if (same < 0)
		return -1;
	if (same) {
		err_set(err, EXIT_USAGE, "refusing the shadow database %s: it is the target database itself",
			r->shadow->display ? r->shadow->display : "given");
		err_detail(err, "pgshift empties the shadow database before it replays into it");
		err_hint(err, "give --shadow-url (or PGSHIFT_SHADOW_URL) a separate database that holds nothing you "
			      "need, or leave it out to use a temporary one");
		return -1;
	}
	s->where = xasprintf("shadow database %s", r->shadow->display ? r->shadow->display : "");
	return db_empty_database(s->conn, err);
}

int scratch_open(const struct scratch_request *r, struct scratch *s, struct pgs_error *err)
{
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (take_slot(s, err) < 0)
		return -1;
	if (r->shadow) {
		rc = open_shadow(r, s, err);
	} else if (r->dev) {
		PGconn *admin = db_connect(r->dev, err);

		if (!admin)
			err_prefix(err, "dev cluster");
		else
			rc = create_on(s, admin, true, r->dev, false, "the dev cluster", err);
	} else {
		int can = r->target_conn && r->on_target_server && r->target->local ?
				  may_create_databases(r->target_conn, err) : 0;

		if (can > 0) {
			rc = create_on(s, r->target_conn, false, r->target, true, "the target's server", err);
		} else if (can == 0) {
			err_set(err, EXIT_FAILURE_, "no scratch database to replay the migrations into");
			if (!r->target_conn)
				err_detail(err, "no --shadow-url, the dev cluster is not running, and no database is "
						"configured (--url, DATABASE_URL) on whose server one could be created");
			else if (!r->on_target_server || !r->target->local)
				err_detail(err, "no --shadow-url, the dev cluster is not running, and the target is not on "
						"this machine");
			else
				err_detail(err, "no --shadow-url, the dev cluster is not running, and role %s may not create "
						"databases on the target's server", r->target->user && *r->target->user ?
						r->target->user : PQuser(r->target_conn));
			err_hint(err, "start the dev cluster with \"pgshift dev up\", or name a database pgshift may empty "
				      "with --shadow-url URL (or PGSHIFT_SHADOW_URL)");
		}
	}
	/* what is committed in a scratch need not survive a crash: its commits do not wait for the disk */
	if (rc == 0)
		rc = db_exec(s->conn, "SET synchronous_commit TO off", "could not set up the scratch connection", err);
	if (rc == 0 && interrupted)
		rc = err_set(err, EXIT_INTERRUPTED, "interrupted");
	if (rc == 0 && s->conn)
		cancels[s->slot - 1] = PQgetCancel(s->conn);
	if (rc < 0) {
		struct pgs_error ignore = PGS_ERROR_INIT;

		if (scratch_close(s, &ignore) < 0) {
			err_hint(err, "%s", ignore.message);
			err_clear(&ignore);
		}
	}
	return rc;
}

/* The DROP of s's database: new string, or NULL with err when its server is out of reach. */
static char *drop_sql(struct scratch *s, struct pgs_error *err)
{
	struct buf sql = BUF_INIT;
	char *ident;

	if (!s->admin || PQstatus(s->admin) != CONNECTION_OK) {
		err_set(err, EXIT_FAILURE_, "could not drop the %s: the connection to its server is lost", s->where);
		err_hint(err, "drop it by hand: DROP DATABASE %s", s->name);
		return NULL;
	}
	if (PQtransactionStatus(s->admin) != PQTRANS_IDLE)
		db_rollback(s->admin);
	ident = db_quote_ident(s->admin, s->name, "the scratch database name", err);
	if (!ident)
		return NULL;
	/* WITH (FORCE), PostgreSQL 13+: a backend still ending its cancelled statement must not keep it */
	buf_addf(&sql, "DROP DATABASE IF EXISTS %s%s", ident, PQserverVersion(s->admin) >= 130000 ? " WITH (FORCE)" : "");
	free(ident);
	return buf_detach(&sql);
}

/* Sends the DROP of s's database on s->admin without waiting for it (-1 with err). */
static int drop_send(struct scratch *s, struct pgs_error *err)
{
	char *sql = drop_sql(s, err);
	int rc = 0;

	if (!sql)
		return -1;
	if (!PQsendQuery(s->admin, sql)) {
		rc = db_result_error(s->admin, NULL, "could not drop the scratch database", err);
		err_hint(err, "drop it by hand: DROP DATABASE %s", s->name);
	}
	free(sql);
	return rc;
}

/* Waits for the DROP drop_send sent (-1 with err). */
static int drop_wait(struct scratch *s, struct pgs_error *err)
{
	PGresult *res;
	int rc = 0;

	while ((res = PQgetResult(s->admin))) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = db_result_error(s->admin, res, "could not drop the scratch database", err);
			err_hint(err, "drop it by hand: DROP DATABASE %s", s->name);
		}
		PQclear(res);
	}
	return rc;
}

/* A second connection made as c was (its parameters, password included), or NULL. */
static PGconn *clone_conn(PGconn *c)
{
	PQconninfoOption *opts = PQconninfo(c);
	const char **keys, **values;
	size_t n = 0;
	PGconn *clone;

	if (!opts)
		return NULL;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		n++;
	keys = xcalloc(n + 1, sizeof(*keys));
	values = xcalloc(n + 1, sizeof(*values));
	n = 0;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (o->val) {
			keys[n] = o->keyword;
			values[n++] = o->val;
		}
	}
	clone = PQconnectdbParams(keys, values, 0);
	free(keys);
	free(values);
	PQconninfoFree(opts);
	if (PQstatus(clone) != CONNECTION_OK) {
		PQfinish(clone);
		return NULL;
	}
	return clone;
}

/* Keeps the first failure in err (-1), a later one in its hint. */
static int keep_failure(struct pgs_error *err, int rc, struct pgs_error *e)
{
	if (rc == 0) {
		*err = *e;
	} else {
		err_hint(err, "%s", e->message);
		err_clear(e);
	}
	*e = (struct pgs_error)PGS_ERROR_INIT;
	return -1;
}

/* Whether the admin connection of v[i] is shared with one of v[0..i) that drops a database too. */
static bool shares_admin(struct scratch *const *v, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (v[j]->created && v[j]->name && v[j]->admin == v[i]->admin)
			return true;
	return false;
}

/* Whether one of v[0..i) sent its DROP on the admin connection of v[i] in this round. */
static bool shares_admin_sent(struct scratch *const *v, const bool *sent, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (sent[j] && v[j]->admin == v[i]->admin)
			return true;
	return false;
}

int scratch_close_all(struct scratch *const *v, size_t n, struct pgs_error *err)
{
	bool *done = xcalloc(n + 1, sizeof(*done)), *sent = xcalloc(n + 1, sizeof(*sent));
	struct pgs_error e = PGS_ERROR_INIT;
	bool pending = true;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct scratch *s = v[i];

		forget_cancel(s);
		if (s->conn)
			PQfinish(s->conn);
		s->conn = NULL;
		done[i] = !s->created || !s->name;
		if (!done[i] && s->admin && shares_admin(v, i)) {
			/* its own connection to the server (the target's is shared), so that the drops run at once */
			PGconn *clone = clone_conn(s->admin);

			if (clone) {
				s->admin = clone;
				s->admin_owned = true;
			}
		}
	}
	/* in rounds: the drops sharing a connection (a clone failed) one after the other */
	while (pending) {
		for (size_t i = 0; i < n; i++) {
			sent[i] = false;
			if (done[i] || shares_admin_sent(v, sent, i))
				continue;
			if (drop_send(v[i], &e) < 0) {
				rc = keep_failure(err, rc, &e);
				done[i] = true;
			} else {
				sent[i] = true;
			}
		}
		pending = false;
		for (size_t i = 0; i < n; i++) {
			if (sent[i]) {
				if (drop_wait(v[i], &e) < 0)
					rc = keep_failure(err, rc, &e);
				done[i] = true;
			}
			pending |= !done[i];
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct scratch *s = v[i];

		if (s->admin && s->admin_owned)
			PQfinish(s->admin);
		release_slot(s);
		free(s->name);
		free(s->where);
		memset(s, 0, sizeof(*s));
	}
	free(done);
	free(sent);
	return rc;
}

int scratch_close(struct scratch *s, struct pgs_error *err)
{
	return scratch_close_all(&s, 1, err);
}
