/*
 * devdb: initdb, pg_ctl and the URLs of the embedded cluster.
 */
#define _GNU_SOURCE
#include "devdb/devdb.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/proc.h"

#define DEV_USER "postgres"
#define DEV_DB "postgres"

struct paths {
	char *root;	/* .pgshift */
	char *base;	/* .pgshift/dev */
	char *data;	/* .pgshift/dev/data */
	char *log;	/* .pgshift/dev/server.log */
	char *tool_log;	/* .pgshift/dev/pgctl.log: what initdb and pg_ctl said */
	char *pgpass;	/* .pgshift/dev/pgpass */
	char *port;	/* .pgshift/dev/port */
};

static void paths_init(const char *project, struct paths *p)
{
	char *abs = fs_absolute(project);

	p->root = fs_join(abs, ".pgshift");
	p->base = fs_join(p->root, "dev");
	p->data = fs_join(p->base, "data");
	p->log = fs_join(p->base, "server.log");
	p->tool_log = fs_join(p->base, "pgctl.log");
	p->pgpass = fs_join(p->base, "pgpass");
	p->port = fs_join(p->base, "port");
	free(abs);
}

static void paths_free(struct paths *p)
{
	free(p->root);
	free(p->base);
	free(p->data);
	free(p->log);
	free(p->tool_log);
	free(p->pgpass);
	free(p->port);
}

/* Percent-encodes s for a URL query value. */
static void add_encoded(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/", c))
			buf_addc(b, (char)c);
		else
			buf_addf(b, "%%%02X", c);
	}
}

static char *socket_url(const char *sockdir, int port)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "postgresql:///" DEV_DB "?host=");
	add_encoded(&b, sockdir);
	buf_addf(&b, "&port=%d&user=" DEV_USER, port);
	return buf_detach(&b);
}

static char *tcp_url(const char *pgpass, int port)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "postgresql://" DEV_USER "@127.0.0.1:%d/" DEV_DB "?passfile=", port);
	add_encoded(&b, pgpass);
	return buf_detach(&b);
}

/*
 * Reads postmaster.pid: pid (line 1) and port (line 4).  Returns true when
 * the file exists and its process is alive.
 */
static bool read_pidfile(const char *data, long *pid, int *port)
{
	char *path = fs_join(data, "postmaster.pid");
	FILE *f = fopen(path, "r");
	char line[4096];
	int n = 0;
	bool alive = false;

	free(path);
	*pid = 0;
	*port = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f) && n < 4) {
		n++;
		if (n == 1)
			*pid = atol(line);
		else if (n == 4)
			*port = atoi(line);
	}
	fclose(f);
	if (*pid > 0 && (kill((pid_t)*pid, 0) == 0 || errno == EPERM))
		alive = true;
	return alive;
}

char *devdb_url_if_up(const char *project)
{
	struct paths p;
	long pid;
	int port;
	char *url = NULL;

	paths_init(project, &p);
	if (read_pidfile(p.data, &pid, &port) && port > 0)
		url = socket_url(p.base, port);
	paths_free(&p);
	return url;
}

/* The directory of initdb and pg_ctl: pg_config --bindir, else the newest /usr/lib/postgresql/N/bin. */
static char *find_bindir(struct pgs_error *err)
{
	FILE *f = popen("pg_config --bindir 2>/dev/null", "r");
	char line[4096];
	char *best = NULL;
	int best_v = -1;
	DIR *d;
	struct dirent *de;

	if (f) {
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			char *initdb = fs_join(line, "initdb");
			bool ok = access(initdb, X_OK) == 0;
			free(initdb);
			if (ok)
				best = xstrdup(line);
		}
		pclose(f);
		if (best)
			return best;
	}
	d = opendir("/usr/lib/postgresql");
	while (d && (de = readdir(d))) {
		int v = atoi(de->d_name);
		char *bin, *initdb;

		if (v <= best_v)
			continue;
		bin = xasprintf("/usr/lib/postgresql/%s/bin", de->d_name);
		initdb = fs_join(bin, "initdb");
		if (access(initdb, X_OK) == 0) {
			free(best);
			best = bin;
			best_v = v;
		} else {
			free(bin);
		}
		free(initdb);
	}
	if (d)
		closedir(d);
	if (!best) {
		err_set(err, EXIT_FAILURE_, "no PostgreSQL server programs found (initdb, pg_ctl)");
		err_hint(err, "install them: apt-get install postgresql (or run \"make deps\"), or pass --url to "
			      "use an existing server");
	}
	return best;
}

/* The user the server runs as: postgres when we are root, else ourselves. */
static int server_user(struct passwd **pw, struct pgs_error *err)
{
	*pw = NULL;
	if (geteuid() != 0)
		return 0;
	*pw = getpwnam(DEV_USER);
	if (!*pw) {
		err_set(err, EXIT_FAILURE_, "running as root, but there is no \"%s\" system user to run PostgreSQL as",
			DEV_USER);
		err_hint(err, "install Debian's postgresql package (it creates the user), or run pgshift as a "
			      "normal user");
		return -1;
	}
	return 0;
}

static void chown_to(const char *path, const struct passwd *pw)
{
	if (pw && chown(path, pw->pw_uid, pw->pw_gid) < 0) {
		/* Reported later by the access check with a clearer message. */
	}
}

/*
 * Runs argv[0] with argv as the server user, stdout and stderr appended to
 * log.  Returns the exit status (127 when it could not be run, 126 when the
 * server user cannot use cwd_check).
 */
static int run_as(const struct passwd *pw, char *const argv[], const char *log, const char *cwd_check)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 127;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (pw) {
			if (setgid(pw->pw_gid) < 0 || initgroups(pw->pw_name, pw->pw_gid) < 0 ||
			    setuid(pw->pw_uid) < 0)
				_exit(127);
			setenv("HOME", pw->pw_dir, 1);
			setenv("USER", pw->pw_name, 1);
		}
		if (cwd_check && access(cwd_check, R_OK | W_OK | X_OK) < 0)
			_exit(126);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		if (cwd_check && chdir(cwd_check) < 0)
			_exit(126);
		proc_scrub_env();
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Appends the last lines of the tool log to err's detail. */
static void log_tail(const struct paths *p, struct pgs_error *err)
{
	struct buf text = BUF_INIT;
	struct pgs_error ignore = PGS_ERROR_INIT;
	size_t start;
	int lines = 0;

	if (fs_read_file(p->tool_log, &text, &ignore) < 0) {
		err_clear(&ignore);
		return;
	}
	start = text.len;
	while (start > 0 && lines < 8) {
		start--;
		if (text.data[start] == '\n' && start + 1 < text.len)
			lines++;
	}
	err_detail(err, "%s", text.data + start + (text.data[start] == '\n'));
	buf_release(&text);
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int port = 0;

	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static bool port_free(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	bool ok;

	if (fd < 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* postgresql.conf string literal: single quotes doubled. */
static void add_conf_string(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_addc(b, '\'');
		buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

static int write_settings(const struct paths *p, int port, const struct passwd *pw, struct pgs_error *err)
{
	struct buf conf = BUF_INIT;
	char *path = fs_join(p->data, "pgshift.conf");
	char portstr[16];
	int rc;

	buf_adds(&conf, "# Written by pgshift dev up on every start; edit postgresql.conf instead.\n");
	buf_adds(&conf, "listen_addresses = '127.0.0.1'\n");
	buf_addf(&conf, "port = %d\n", port);
	buf_adds(&conf, "unix_socket_directories = ");
	add_conf_string(&conf, p->base);
	buf_adds(&conf, "\nunix_socket_permissions = 0700\n");
	rc = fs_write_file(path, conf.data, conf.len, 0600, err);
	chown_to(path, pw);
	snprintf(portstr, sizeof(portstr), "%d\n", port);
	if (rc == 0)
		rc = fs_write_file(p->port, portstr, strlen(portstr), 0644, err);
	buf_release(&conf);
	free(path);
	return rc;
}

static int read_port_file(const struct paths *p)
{
	struct buf b = BUF_INIT;
	struct pgs_error ignore = PGS_ERROR_INIT;
	int port = 0;

	if (fs_read_file(p->port, &b, &ignore) == 0)
		port = atoi(b.data);
	err_clear(&ignore);
	buf_release(&b);
	return port;
}

static int initialise(const struct paths *p, const char *bindir, const struct passwd *pw, struct pgs_error *err)
{
	char pw_raw[18], pw_hex[37];
	char *pwfile = fs_join(p->base, "initdb.pw");
	char *initdb = fs_join(bindir, "initdb");
	char *pwopt = xasprintf("--pwfile=%s", pwfile);
	char *conf = fs_join(p->data, "postgresql.conf");
	struct buf include = BUF_INIT;
	struct buf pgpass = BUF_INIT;
	int status, rc = -1;

	if (RAND_bytes((unsigned char *)pw_raw, sizeof(pw_raw)) != 1) {
		err_set(err, EXIT_FAILURE_, "no random bytes for the dev cluster's password");
		goto out;
	}
	for (size_t i = 0; i < sizeof(pw_raw); i++)
		snprintf(pw_hex + 2 * i, 3, "%02x", (unsigned char)pw_raw[i]);
	if (fs_write_file(pwfile, pw_hex, strlen(pw_hex), 0600, err) < 0)
		goto out;
	chown_to(pwfile, pw);
	{
		char *argv[] = { initdb, "-D", p->data, "-U", DEV_USER, pwopt, "--auth-local=trust",
				 "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", NULL };
		status = run_as(pw, argv, p->tool_log, p->base);
	}
	unlink(pwfile);
	if (status == 126) {
		err_set(err, EXIT_FAILURE_, "the %s user cannot use %s", pw ? pw->pw_name : "current", p->base);
		err_hint(err, "PostgreSQL runs as %s here: make every parent directory of the project "
			      "traversable by it (chmod o+x), or run pgshift as a normal user", DEV_USER);
		goto out;
	}
	if (status != 0) {
		err_set(err, EXIT_FAILURE_, "initdb failed (exit %d) for %s", status, p->data);
		log_tail(p, err);
		err_hint(err, "the full output is in %s", p->tool_log);
		goto out;
	}
	buf_adds(&include, "\n# pgshift dev cluster settings (listen only on loopback and the private socket)\n"
			   "include_if_exists = 'pgshift.conf'\n");
	{
		FILE *f = fopen(conf, "a");
		if (!f || fwrite(include.data, 1, include.len, f) != include.len) {
			err_set(err, EXIT_FAILURE_, "could not write \"%s\": %s", conf, strerror(errno));
			if (f)
				fclose(f);
			goto out;
		}
		fclose(f);
	}
	/* libpq's password file for the loopback URL: host:port:db:user:password, any port. */
	buf_addf(&pgpass, "127.0.0.1:*:*:%s:%s\n", DEV_USER, pw_hex);
	if (fs_write_file(p->pgpass, pgpass.data, pgpass.len, 0600, err) < 0)
		goto out;
	rc = 0;
out:
	explicit_bzero(pw_hex, sizeof(pw_hex));
	buf_release(&pgpass);
	buf_release(&include);
	free(pwfile);
	free(initdb);
	free(pwopt);
	free(conf);
	return rc;
}

static void fill_status(const struct paths *p, struct devdb_status *st)
{
	char *pgv = fs_join(p->data, "PG_VERSION");

	memset(st, 0, sizeof(*st));
	st->base = xstrdup(p->base);
	st->initialised = fs_is_file(pgv);
	free(pgv);
	st->running = read_pidfile(p->data, &st->pid, &st->port);
	if (!st->running)
		st->port = read_port_file(p);
	if (st->running) {
		st->socket_url = socket_url(p->base, st->port);
		st->tcp_url = tcp_url(p->pgpass, st->port);
	}
}

int devdb_up(const char *project, struct devdb_status *st, struct pgs_error *err)
{
	struct paths p;
	struct passwd *pw;
	char *bindir = NULL, *pg_ctl = NULL, *gitignore = NULL;
	int rc = -1, port;

	memset(st, 0, sizeof(*st));
	paths_init(project, &p);
	fill_status(&p, st);
	if (st->running) {
		rc = 0;
		goto out;
	}
	devdb_status_free(st);
	if (server_user(&pw, err) < 0 || !(bindir = find_bindir(err)))
		goto out;
	if (fs_mkdir_p(p.root, 0755, err) < 0)
		goto out;
	gitignore = fs_join(p.root, ".gitignore");
	if (!fs_is_file(gitignore) && fs_write_file(gitignore, "*\n", 2, 0644, err) < 0)
		goto out;
	if (mkdir(p.base, 0700) < 0 && errno != EEXIST) {
		err_set(err, EXIT_FAILURE_, "could not create \"%s\": %s", p.base, strerror(errno));
		goto out;
	}
	chown_to(p.base, pw);
	{
		char *pgv = fs_join(p.data, "PG_VERSION");
		bool have = fs_is_file(pgv);
		free(pgv);
		if (!have && initialise(&p, bindir, pw, err) < 0)
			goto out;
	}
	port = read_port_file(&p);
	if (port <= 0 || !port_free(port))
		port = free_port();
	if (port <= 0) {
		err_set(err, EXIT_FAILURE_, "could not find a free loopback port for the dev cluster");
		goto out;
	}
	if (write_settings(&p, port, pw, err) < 0)
		goto out;
	pg_ctl = fs_join(bindir, "pg_ctl");
	{
		char *argv[] = { pg_ctl, "-D", p.data, "-l", p.log, "-w", "-t", "60", "start", NULL };
		int status = run_as(pw, argv, p.tool_log, p.base);

		if (status == 126) {
			err_set(err, EXIT_FAILURE_, "the %s user cannot use %s", pw ? pw->pw_name : "current", p.base);
			err_hint(err, "make every parent directory of the project traversable by it (chmod o+x)");
			goto out;
		}
		if (status != 0) {
			err_set(err, EXIT_FAILURE_, "the dev cluster did not start (pg_ctl exit %d)", status);
			log_tail(&p, err);
			err_hint(err, "the server's log is %s", p.log);
			goto out;
		}
	}
	fill_status(&p, st);
	rc = 0;
out:
	free(bindir);
	free(pg_ctl);
	free(gitignore);
	paths_free(&p);
	return rc;
}

int devdb_down(const char *project, bool *was_running, struct pgs_error *err)
{
	struct paths p;
	struct passwd *pw;
	char *bindir = NULL, *pg_ctl = NULL;
	long pid;
	int port, rc = -1;

	paths_init(project, &p);
	*was_running = read_pidfile(p.data, &pid, &port);
	if (!*was_running) {
		rc = 0;
		goto out;
	}
	if (server_user(&pw, err) < 0 || !(bindir = find_bindir(err)))
		goto out;
	pg_ctl = fs_join(bindir, "pg_ctl");
	{
		char *argv[] = { pg_ctl, "-D", p.data, "-m", "fast", "-w", "-t", "60", "stop", NULL };
		int status = run_as(pw, argv, p.tool_log, p.base);
		if (status != 0) {
			err_set(err, EXIT_FAILURE_, "could not stop the dev cluster (pg_ctl exit %d)", status);
			log_tail(&p, err);
			goto out;
		}
	}
	rc = 0;
out:
	free(bindir);
	free(pg_ctl);
	paths_free(&p);
	return rc;
}

int devdb_get_status(const char *project, struct devdb_status *st, struct pgs_error *err)
{
	struct paths p;

	(void)err;
	paths_init(project, &p);
	fill_status(&p, st);
	paths_free(&p);
	return 0;
}

void devdb_status_free(struct devdb_status *st)
{
	free(st->base);
	free(st->socket_url);
	free(st->tcp_url);
	memset(st, 0, sizeof(*st));
}
