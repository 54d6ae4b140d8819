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
#include <limits.h>
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

/*
 * The layout keeps apart what pgshift writes and what the server user owns,
 * so that pgshift run as root never opens, writes or changes the owner of a
 * name the server user can replace (with a symlink to a root-only file, say):
 *
 *   .pgshift/dev/            pgshift's user; 0700, or root:postgres 0710 (pass through only)
 *     pgpass, port           pgshift's user, 0600
 *     pgctl.log              pgshift's user, 0600: opened here, initdb and pg_ctl write to the descriptor
 *     cluster/               the server user, 0700: data/, server.log and the socket
 *
 * Whatever goes into cluster/ is written by a child that has dropped root's
 * rights first (write_as, run_as); root reads from it only postmaster.pid,
 * through read_owned.  .pgshift and .pgshift/dev must belong to pgshift's
 * user, and pgshift's own files are opened relative to their descriptors
 * (root_fd, base_fd), never following a symlink, so renaming the directories
 * underneath cannot redirect a write either.
 */
struct paths {
	char *root;	/* .pgshift */
	char *base;	/* .pgshift/dev */
	char *cluster;	/* .pgshift/dev/cluster */
	char *data;	/* .pgshift/dev/cluster/data */
	char *log;	/* .pgshift/dev/cluster/server.log */
	char *tool_log;	/* .pgshift/dev/pgctl.log: what initdb and pg_ctl said */
	char *pgpass;	/* .pgshift/dev/pgpass */
	char *port;	/* .pgshift/dev/port */
	char *old_data;	/* .pgshift/dev/data: the data directory of the layout before cluster/ */
	char *staging;	/* .pgshift/dev.new: the new .pgshift/dev while the old layout is moved into it */
	int root_fd;	/* .pgshift once opened and checked (open_own_dir), else -1 */
	int base_fd;	/* .pgshift/dev likewise */
	int log_fd;	/* pgctl.log, appended to (open_tool_log), else -1 */
};

static void paths_init(const char *project, struct paths *p)
{
	char *abs = fs_absolute(project);

	p->root = fs_join(abs, ".pgshift");
	p->base = fs_join(p->root, "dev");
	p->cluster = fs_join(p->base, "cluster");
	p->data = fs_join(p->cluster, "data");
	p->log = fs_join(p->cluster, "server.log");
	p->tool_log = fs_join(p->base, "pgctl.log");
	p->pgpass = fs_join(p->base, "pgpass");
	p->port = fs_join(p->base, "port");
	p->old_data = fs_join(p->base, "data");
	p->staging = fs_join(p->root, "dev.new");
	p->root_fd = p->base_fd = p->log_fd = -1;
	free(abs);
}

static void paths_free(struct paths *p)
{
	free(p->root);
	free(p->base);
	free(p->cluster);
	free(p->data);
	free(p->log);
	free(p->tool_log);
	free(p->pgpass);
	free(p->port);
	free(p->old_data);
	free(p->staging);
	if (p->root_fd >= 0)
		close(p->root_fd);
	if (p->base_fd >= 0)
		close(p->base_fd);
	if (p->log_fd >= 0)
		close(p->log_fd);
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

/* The server user's uid: postgres when we are root, else ourselves; -1 when root and there is no postgres. */
static uid_t server_uid(void)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return geteuid();
	pw = getpwnam(DEV_USER);
	return pw ? pw->pw_uid : (uid_t)-1;
}

/*
 * Reads a small regular file owned by owner (name relative to dirfd, which
 * may be AT_FDCWD) into out (appended).  The last name is not followed when
 * it is a symlink, and nothing but a regular file is opened for reading (a
 * FIFO or device planted under the name could block or act on open): the
 * name is opened O_PATH, checked with fstat, and only then reopened through
 * /proc/self/fd.  A file of another owner is refused, so a name the server
 * user controls cannot make root read a root-only file.  Returns 0, or -1
 * with errno (EPERM for the wrong type, owner or size).  *st_out, when
 * given, receives the file's stat.
 */
static int read_owned(int dirfd, const char *name, uid_t owner, struct buf *out, struct stat *st_out)
{
	int pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC), fd;
	struct stat st;
	char proc[64];

	if (pfd < 0)
		return -1;
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != owner || st.st_size > 65536) {
		close(pfd);
		errno = EPERM;
		return -1;
	}
	if (st_out)
		*st_out = st;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	close(pfd);
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n;

		buf_grow(out, 4096);
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return n < 0 ? -1 : 0;
		}
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (out->len > 65536) {
			close(fd);
			errno = EPERM;
			return -1;
		}
	}
}

/*
 * Reads postmaster.pid in data (through read_owned: it must belong to the
 * server user): pid (line 1) and port (line 4).  Returns true when the file
 * exists and its process is alive.
 */
static bool read_pidfile(const char *data, long *pid, int *port)
{
	char *path = fs_join(data, "postmaster.pid");
	struct buf text = BUF_INIT;
	const char *line;
	bool alive = false;
	int n = 0;

	*pid = 0;
	*port = 0;
	if (read_owned(AT_FDCWD, path, server_uid(), &text, NULL) == 0) {
		line = text.data;
		while (line && *line && n < 4) {
			long v = strtol(line, NULL, 10);

			n++;
			if (n == 1 && v > 0 && v <= INT_MAX)
				*pid = v;
			else if (n == 4 && v > 0 && v <= 65535)
				*port = (int)v;
			line = strchr(line, '\n');
			if (line)
				line++;
		}
		if (*pid > 0 && (kill((pid_t)*pid, 0) == 0 || errno == EPERM))
			alive = true;
	}
	buf_release(&text);
	free(path);
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
		url = socket_url(p.cluster, port);
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


/* The user the server runs as: postgres when we are root, else ourselves (NULL). */
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

/* In a child: becomes the server user (when there is one).  false when that failed. */
static bool drop_to(const struct passwd *pw)
{
	if (!pw)
		return true;
	if (setgid(pw->pw_gid) < 0 || initgroups(pw->pw_name, pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		return false;
	setenv("HOME", pw->pw_dir, 1);
	setenv("USER", pw->pw_name, 1);
	return true;
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * Writes data to name (relative to dirfd, never through a symlink), created
 * 0600; how is O_TRUNC, O_APPEND or O_EXCL.  Returns 0 or an errno value.
 */
static int write_at(int dirfd, const char *name, const char *data, size_t len, int how)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | how, 0600);
	size_t off = 0;

	if (fd < 0)
		return errno;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return e;
		}
		off += (size_t)n;
	}
	return close(fd) < 0 ? errno : 0;
}

/* Writes pgshift's own file name in .pgshift/dev (base_fd). */
static int write_base(const struct paths *p, const char *name, const char *data, size_t len, struct pgs_error *err)
{
	int rc = write_at(p->base_fd, name, data, len, O_TRUNC);

	if (rc != 0)
		return err_set(err, EXIT_FAILURE_, "could not write \"%s/%s\": %s", p->base, name, strerror(rc));
	return 0;
}

/*
 * Writes data to path (how as for write_at) in the server user's directory, as
 * that user: root forks a child that drops its rights first, so whatever the
 * server user planted under the name gets only that user's rights.
 */
static int write_as(const struct passwd *pw, const char *path, const char *data, size_t len, int how,
		    struct pgs_error *err)
{
	int rc;

	if (!pw) {
		rc = write_at(AT_FDCWD, path, data, len, how);
	} else {
		pid_t pid = fork();

		if (pid < 0)
			return err_set(err, EXIT_FAILURE_, "could not start a process to write \"%s\": %s", path,
				       strerror(errno));
		if (pid == 0)
			_exit(drop_to(pw) ? write_at(AT_FDCWD, path, data, len, how) : EPERM);
		rc = wait_child(pid);
	}
	if (rc != 0)
		return err_set(err, EXIT_FAILURE_, "could not write \"%s\": %s", path, strerror(rc));
	return 0;
}

/*
 * Runs argv[0] with argv as the server user in the directory cwd, stdout and
 * stderr to logfd (-1: /dev/null), stdin from input (NULL: /dev/null; the
 * pipe is made after dropping root's rights, so the child can open it again
 * as /dev/stdin).  Returns the exit status (127 when it could not be run, 126
 * when the server user cannot use cwd).
 */
static int run_as(const struct passwd *pw, char *const argv[], int logfd, const char *cwd, const char *input)
{
	pid_t pid = fork();

	if (pid < 0)
		return 127;
	if (pid == 0) {
		int out = logfd >= 0 ? logfd : open("/dev/null", O_WRONLY);
		int in = -1;

		if (!drop_to(pw))
			_exit(127);
		if (access(cwd, R_OK | W_OK | X_OK) < 0 || chdir(cwd) < 0)
			_exit(126);
		if (input) {
			int fds[2];
			size_t len = strlen(input);

			if (pipe(fds) < 0 || write(fds[1], input, len) != (ssize_t)len)
				_exit(127);
			close(fds[1]);
			in = fds[0];
		} else {
			in = open("/dev/null", O_RDONLY);
		}
		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		proc_scrub_env();
		execv(argv[0], argv);
		_exit(127);
	}
	return wait_child(pid);
}

/* Appends the last lines of the tool log (pgshift's own file, in base_fd) to err's detail. */
static void log_tail(const struct paths *p, struct pgs_error *err)
{
	struct buf text = BUF_INIT;
	struct stat st;
	off_t from;
	ssize_t n;
	size_t start;
	int lines = 0, fd;

	if (p->base_fd < 0 || (fd = openat(p->base_fd, "pgctl.log", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	from = st.st_size > 16384 ? st.st_size - 16384 : 0;
	buf_grow(&text, 16384 + 1);
	n = pread(fd, text.data, 16384, from);
	close(fd);
	if (n <= 0) {
		buf_release(&text);
		return;
	}
	text.len = (size_t)n;
	text.data[text.len] = '\0';
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
	add_conf_string(&conf, p->cluster);
	buf_adds(&conf, "\nunix_socket_permissions = 0700\n");
	rc = write_as(pw, path, conf.data, conf.len, O_TRUNC, err);
	snprintf(portstr, sizeof(portstr), "%d\n", port);
	if (rc == 0)
		rc = write_base(p, "port", portstr, strlen(portstr), err);
	buf_release(&conf);
	free(path);
	return rc;
}

static int read_port_file(const struct paths *p)
{
	struct buf b = BUF_INIT;
	int port = 0;

	if (read_owned(p->base_fd >= 0 ? p->base_fd : AT_FDCWD, p->base_fd >= 0 ? "port" : p->port, geteuid(), &b,
		       NULL) == 0 && b.data) {
		long v = strtol(b.data, NULL, 10);
		port = v > 0 && v <= 65535 ? (int)v : 0;
	}
	buf_release(&b);
	return port;
}

/* The line of pgpass for password pw_hex (36 hex digits). */
static void pgpass_line(struct buf *b, const char *pw_hex)
{
	buf_addf(b, "127.0.0.1:*:*:%s:%s\n", DEV_USER, pw_hex);
}

static int initialise(const struct paths *p, const char *bindir, const struct passwd *pw, struct pgs_error *err)
{
	char pw_raw[18], pw_hex[37];
	char *initdb = fs_join(bindir, "initdb");
	char *conf = fs_join(p->data, "postgresql.conf");
	static const char include[] = "\n# pgshift dev cluster settings (listen only on loopback and the private socket)\n"
				      "include_if_exists = 'pgshift.conf'\n";
	struct buf pgpass = BUF_INIT;
	int status, rc = -1;

	if (RAND_bytes((unsigned char *)pw_raw, sizeof(pw_raw)) != 1) {
		err_set(err, EXIT_FAILURE_, "no random bytes for the dev cluster's password");
		goto out;
	}
	for (size_t i = 0; i < sizeof(pw_raw); i++)
		snprintf(pw_hex + 2 * i, 3, "%02x", (unsigned char)pw_raw[i]);
	{
		/* The password reaches initdb through a pipe on its stdin, never a file. */
		char *argv[] = { initdb, "-D", p->data, "-U", DEV_USER, "--pwfile=/dev/stdin", "--auth-local=trust",
				 "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", NULL };
		status = run_as(pw, argv, p->log_fd, p->cluster, pw_hex);
	}
	if (status == 126) {
		err_set(err, EXIT_FAILURE_, "the %s user cannot use %s", pw ? pw->pw_name : "current", p->cluster);
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
	if (write_as(pw, conf, include, strlen(include), O_APPEND, err) < 0)
		goto out;
	/* libpq's password file for the loopback URL: host:port:db:user:password, any port. */
	pgpass_line(&pgpass, pw_hex);
	if (write_base(p, "pgpass", pgpass.data, pgpass.len, err) < 0)
		goto out;
	rc = 0;
out:
	explicit_bzero(pw_hex, sizeof(pw_hex));
	if (pgpass.data)
		explicit_bzero(pgpass.data, pgpass.len);
	buf_release(&pgpass);
	free(initdb);
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
		st->socket_url = socket_url(p->cluster, st->port);
		st->tcp_url = tcp_url(p->pgpass, st->port);
	}
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* .pgshift/dev as versions before cluster/ made it: the data directory straight inside. */
static bool old_layout(const struct paths *p)
{
	return exists(p->old_data) && !exists(p->cluster);
}

/*
 * Opens name in dirfd as a directory (not through a symlink) and checks that
 * it is ours; shown names it in errors.  Returns the descriptor, or -1 with err.
 */
static int open_own_dir(int dirfd, const char *name, const char *shown, struct pgs_error *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return err_set(err, EXIT_FAILURE_, "could not open the directory \"%s\": %s", shown, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid()) {
		close(fd);
		err_set(err, EXIT_FAILURE_, "\"%s\" belongs to another user", shown);
		err_detail(err, "pgshift keeps its own files of the dev cluster there, so only its user may change it");
		err_hint(err, "run pgshift as the user who owns it, or remove it (the dev cluster's data is lost) and run "
			      "\"pgshift dev up\" again");
		return -1;
	}
	return fd;
}

/* Carries the password of an old-layout pgpass (now in cluster/) over to .pgshift/dev/pgpass. */
static void carry_pgpass(const struct paths *p, int cluster_fd)
{
	struct buf old = BUF_INIT;
	struct stat st = { 0 };
	static const char prefix[] = "127.0.0.1:*:*:" DEV_USER ":";
	size_t n = sizeof(prefix) - 1;

	/* Only the file pgshift wrote: ours, one link, one line of the expected form. */
	if (read_owned(cluster_fd, "pgpass", geteuid(), &old, &st) == 0 && st.st_nlink == 1 && old.len == n + 37 &&
	    !strncmp(old.data, prefix, n) && strspn(old.data + n, "0123456789abcdef") == 36 && old.data[n + 36] == '\n')
		write_at(p->base_fd, "pgpass", old.data, old.len, O_EXCL);
	if (old.data)
		explicit_bzero(old.data, old.len);
	buf_release(&old);
}

/*
 * Moves a stopped cluster of the old layout in: .pgshift/dev becomes
 * .pgshift/dev/cluster, by way of .pgshift/dev.new (a crash in between is
 * finished by the next call).  The files pgshift wrote into the old
 * directory are removed (by name: unlinking does not follow a symlink), the
 * password for the loopback URL carried over.  Needs root_fd.
 */
static int move_old_layout(struct paths *p, struct pgs_error *err)
{
	static const char *const stale[] = { "pgpass", "port", "pgctl.log", "initdb.pw" };
	struct stat st;
	bool moved = false;
	int fd, cl;

	if (old_layout(p)) {
		if (mkdirat(p->root_fd, "dev.new", 0700) < 0 && errno != EEXIST)
			return err_set(err, EXIT_FAILURE_, "could not create \"%s\": %s", p->staging, strerror(errno));
		if ((fd = open_own_dir(p->root_fd, "dev.new", p->staging, err)) < 0)
			return -1;
		if (renameat(p->root_fd, "dev", fd, "cluster") < 0) {
			close(fd);
			return err_set(err, EXIT_FAILURE_, "could not move \"%s\" to \"%s/cluster\": %s", p->base,
				       p->staging, strerror(errno));
		}
		close(fd);
		moved = true;
	}
	if (fstatat(p->root_fd, "dev", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (renameat(p->root_fd, "dev.new", p->root_fd, "dev") < 0)
			return err_set(err, EXIT_FAILURE_, "could not move \"%s\" to \"%s\": %s", p->staging,
				       p->base, strerror(errno));
		moved = true;
	}
	if ((p->base_fd = open_own_dir(p->root_fd, "dev", p->base, err)) < 0)
		return -1;
	cl = moved ? openat(p->base_fd, "cluster", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (cl >= 0) {
		carry_pgpass(p, cl);
		for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++)
			unlinkat(cl, stale[i], 0);
		close(cl);
	}
	return 0;
}

/*
 * Opens .pgshift and .pgshift/dev (base_fd), making them when missing, and
 * makes cluster/ in it for the server user (its owner set on the
 * descriptor, never by name).
 */
static int prepare_dirs(struct paths *p, const struct passwd *pw, struct pgs_error *err)
{
	int cl = -1, rc = -1, fd;

	if (p->base_fd < 0) {
		if (mkdirat(p->root_fd, "dev", 0700) < 0 && errno != EEXIST)
			return err_set(err, EXIT_FAILURE_, "could not create \"%s\": %s", p->base, strerror(errno));
		if ((p->base_fd = open_own_dir(p->root_fd, "dev", p->base, err)) < 0)
			return -1;
	}
	/* Root lets the server user's group pass through to cluster/, nothing more. */
	if ((pw && fchown(p->base_fd, geteuid(), pw->pw_gid) < 0) || fchmod(p->base_fd, pw ? 0710 : 0700) < 0)
		return err_set(err, EXIT_FAILURE_, "could not set the owner and mode of \"%s\": %s", p->base,
			       strerror(errno));
	if (mkdirat(p->base_fd, "cluster", 0700) < 0 && errno != EEXIST)
		return err_set(err, EXIT_FAILURE_, "could not create \"%s\": %s", p->cluster, strerror(errno));
	cl = openat(p->base_fd, "cluster", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cl < 0)
		return err_set(err, EXIT_FAILURE_, "could not open the directory \"%s\": %s", p->cluster, strerror(errno));
	if ((pw && fchown(cl, pw->pw_uid, pw->pw_gid) < 0) || fchmod(cl, 0700) < 0) {
		err_set(err, EXIT_FAILURE_, "could not set the owner and mode of \"%s\": %s", p->cluster,
			strerror(errno));
		goto out;
	}
	/* .gitignore: made once, never through a symlink; an existing one is left alone. */
	fd = openat(p->root_fd, ".gitignore", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, "*\n", 2) != 2) {
			err_set(err, EXIT_FAILURE_, "could not write \"%s/.gitignore\": %s", p->root, strerror(errno));
			close(fd);
			goto out;
		}
		close(fd);
	}
	rc = 0;
out:
	close(cl);
	return rc;
}

/* Opens pgshift's own log of initdb and pg_ctl (log_fd), in .pgshift/dev (base_fd). */
static int open_tool_log(struct paths *p, struct pgs_error *err)
{
	p->log_fd = openat(p->base_fd, "pgctl.log", O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (p->log_fd < 0)
		return err_set(err, EXIT_FAILURE_, "could not open \"%s\": %s", p->tool_log, strerror(errno));
	return 0;
}

int devdb_up(const char *project, struct devdb_status *st, struct pgs_error *err)
{
	struct paths p;
	struct passwd *pw;
	char *bindir = NULL, *pg_ctl = NULL;
	int rc = -1, port;
	long old_pid;

	memset(st, 0, sizeof(*st));
	paths_init(project, &p);
	if (server_user(&pw, err) < 0)
		goto out;
	if (old_layout(&p) && read_pidfile(p.old_data, &old_pid, &port)) {
		err_set(err, EXIT_FAILURE_, "the dev cluster in %s was made by an older pgshift and is running", p.base);
		err_detail(err, "its data now lives in %s, apart from the files pgshift writes", p.cluster);
		err_hint(err, "stop it with \"pgshift dev down\"; \"pgshift dev up\" then moves it and starts it");
		goto out;
	}
	fill_status(&p, st);
	if (st->running) {
		rc = 0;
		goto out;
	}
	devdb_status_free(st);
	if (!(bindir = find_bindir(err)))
		goto out;
	if (fs_mkdir_p(p.root, 0755, err) < 0 || (p.root_fd = open_own_dir(AT_FDCWD, p.root, p.root, err)) < 0)
		goto out;
	if ((old_layout(&p) || exists(p.staging)) && move_old_layout(&p, err) < 0)
		goto out;
	if (prepare_dirs(&p, pw, err) < 0 || open_tool_log(&p, err) < 0)
		goto out;
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
		int status = run_as(pw, argv, p.log_fd, p.cluster, NULL);

		if (status == 126) {
			err_set(err, EXIT_FAILURE_, "the %s user cannot use %s", pw ? pw->pw_name : "current", p.cluster);
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
	paths_free(&p);
	return rc;
}

int devdb_down(const char *project, bool *was_running, struct pgs_error *err)
{
	struct paths p;
	struct passwd *pw;
	char *bindir = NULL, *pg_ctl = NULL;
	const char *data, *cwd;
	long pid;
	int port, rc = -1;
	bool old;

	paths_init(project, &p);
	old = old_layout(&p);
	/* A cluster of the old layout is stopped without a log: its directory is the server user's. */
	data = old ? p.old_data : p.data;
	cwd = old ? p.base : p.cluster;
	*was_running = read_pidfile(data, &pid, &port);
	if (!*was_running) {
		rc = 0;
		goto out;
	}
	if (server_user(&pw, err) < 0 || !(bindir = find_bindir(err)))
		goto out;
	if (!old && ((p.root_fd = open_own_dir(AT_FDCWD, p.root, p.root, err)) < 0 ||
		     (p.base_fd = open_own_dir(p.root_fd, "dev", p.base, err)) < 0 || open_tool_log(&p, err) < 0))
		goto out;
	pg_ctl = fs_join(bindir, "pg_ctl");
	{
		char *argv[] = { pg_ctl, "-D", (char *)data, "-m", "fast", "-w", "-t", "60", "stop", NULL };
		int status = run_as(pw, argv, p.log_fd, cwd, NULL);
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
