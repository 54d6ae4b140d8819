/*
 * fsutil: reading, writing and creating files and directories.
 */
#define _XOPEN_SOURCE 700
#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/exitcodes.h"

int fs_read_file(const char *path, struct buf *out, struct pgs_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return err_set(err, EXIT_FAILURE_, "could not open \"%s\": %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		buf_grow(out, (size_t)st.st_size);
	for (;;) {
		ssize_t n;

		buf_grow(out, 8192);
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set(err, EXIT_FAILURE_, "could not read \"%s\": %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
	}
	close(fd);
	return 0;
}

static int read_fd(int fd, const char *shown, struct buf *out, struct pgs_error *err)
{
	/*
	 * Most migrations are small: the first read goes to the stack and only
	 * what came is kept, so a thousand of them do not each hold (and grow
	 * the heap by) a mostly empty buffer.
	 */
	char first[8192];
	ssize_t got;

	while ((got = read(fd, first, sizeof(first))) < 0 && errno == EINTR)
		;
	if (got < 0)
		return err_set(err, EXIT_FAILURE_, "could not read \"%s\": %s", shown, strerror(errno));
	buf_add(out, first, (size_t)got);
	if ((size_t)got < sizeof(first))
		return 0;
	for (;;) {
		size_t want;
		ssize_t n;

		buf_grow(out, 8192);
		want = out->cap - out->len - 1;
		n = read(fd, out->data + out->len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, EXIT_FAILURE_, "could not read \"%s\": %s", shown, strerror(errno));
		}
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		/*
		 * A regular file returns less than asked only at its end (pgshift
		 * installs no signal handlers that could cut a read short), which
		 * saves one read per migration on a large directory.
		 */
		if (n == 0 || (size_t)n < want)
			return 0;
	}
}

int fs_read_at(int dirfd, const char *rel, const char *shown, struct buf *out, struct pgs_error *err)
{
	int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return err_set(err, EXIT_FAILURE_, "could not open \"%s\": %s", shown, strerror(errno));
	}
	rc = read_fd(fd, shown, out, err);
	close(fd);
	return rc;
}

/* Writes data to fd and closes it; path names it in errors. */
static int write_all_close(int fd, const char *path, const char *data, size_t len, struct pgs_error *err)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set(err, EXIT_FAILURE_, "could not write \"%s\": %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0)
		return err_set(err, EXIT_FAILURE_, "could not write \"%s\": %s", path, strerror(errno));
	return 0;
}

int fs_write_file(const char *path, const char *data, size_t len, int mode, struct pgs_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return err_set(err, EXIT_FAILURE_, "could not create \"%s\": %s", path, strerror(errno));
	return write_all_close(fd, path, data, len, err);
}

int fs_replace_file(const char *path, const char *data, size_t len, int mode, struct pgs_error *err)
{
	struct stat st;
	mode_t mask;
	char *tmp;
	int fd, rc = -1;

	/* a device, a pipe or a symbolic link (/dev/null, /dev/stdout, a FIFO): written into, never replaced */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return fs_write_file(path, data, len, mode, err);
	tmp = xasprintf("%s.XXXXXX", path);
	fd = mkstemp(tmp);	/* a new file of its own (O_EXCL): nothing planted at the name is followed */
	if (fd < 0) {
		err_set(err, EXIT_FAILURE_, "could not create a file beside \"%s\": %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	mask = umask(0);	/* the mode a plain create would give: mode less the umask */
	umask(mask);
	if (fchmod(fd, (mode_t)mode & ~mask) < 0) {
		err_set(err, EXIT_FAILURE_, "could not set the mode of \"%s\": %s", tmp, strerror(errno));
		close(fd);
	} else if (write_all_close(fd, path, data, len, err) == 0) {
		if (rename(tmp, path) == 0)
			rc = 0;
		else
			err_set(err, EXIT_FAILURE_, "could not write \"%s\": %s", path, strerror(errno));
	}
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int fs_mkdir_p(const char *path, int mode, struct pgs_error *err)
{
	char *p = xstrdup(path);

	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
				err_set(err, EXIT_FAILURE_, "could not create directory \"%s\": %s", p,
					strerror(errno));
				free(p);
				return -1;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	if (!fs_is_dir(path))
		return err_set(err, EXIT_FAILURE_, "\"%s\" exists and is not a directory", path);
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int fs_remove_tree(const char *path, struct pgs_error *err)
{
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return err_set(err, EXIT_FAILURE_, "could not remove \"%s\": %s", path, strerror(errno));
	return 0;
}

bool fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool fs_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *fs_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (la && a[la - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

char *fs_absolute(const char *path)
{
	char *cwd;
	char *res;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return xstrdup(path);
	res = strcmp(path, ".") ? fs_join(cwd, path) : xstrdup(cwd);
	free(cwd);
	return res;
}
