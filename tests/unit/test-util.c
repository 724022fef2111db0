/* test-util.c — atomic file writes: what they replace, and what they write into. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"

static char dir[] = "/tmp/test-util.XXXXXX";

/* dir/name, in a static buffer (one at a time) */
static const char *at(const char *name)
{
	static char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static int write_atomic(const char *path, const char *text)
{
	fcvae_atomic a;
	if (fcvae_atomic_open(&a, path) < 0)
		return -1;
	fputs(text, a.fp);
	return fcvae_atomic_commit(&a);
}

static int kind_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? (int)(st.st_mode & S_IFMT) : -1;
}

/* Entries of directory d (dir itself when NULL) whose name holds
 * ".tmp.": left-over temp files. */
static int temps_in(const char *in)
{
	DIR *d = opendir(in ? in : dir);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += strstr(e->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	return n;
}

static int holds(const char *path, const char *text)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	return n == strlen(text) && !memcmp(buf, text, n);
}

static void regular(void)
{
	const char *p = at("plain");
	CHECK(write_atomic(p, "one\n") == 0 && chmod(p, 0640) == 0 && write_atomic(p, "two\n") == 0,
	      "a regular file is written twice");
	CHECK(holds(p, "two\n"), "it holds the second text");
	struct stat st;
	int mode = stat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
	CHECK(mode == 0640, "its mode is kept: %o", mode);
	int rc = fcvae_atomic_try(dir);
	CHECK(rc < 0 && errno == EISDIR, "a directory is refused (EISDIR)");
}

/* A FIFO is written into, not replaced: its reader gets the text. */
static void fifo(void)
{
	const char *p = at("fifo");
	if (!CHECK(mkfifo(p, 0600) == 0, "mkfifo"))
		return;
	int rd = open(p, O_RDONLY | O_NONBLOCK);
	CHECK(fcvae_atomic_try(p) == 0, "a FIFO can be written");
	CHECK(write_atomic(p, "through\n") == 0, "written into the FIFO");
	CHECK(kind_of(p) == S_IFIFO, "the FIFO is still a FIFO");
	char buf[16] = "";
	ssize_t n = read(rd, buf, sizeof buf - 1);
	CHECK(n == 8 && !strcmp(buf, "through\n"), "its reader got the text: %zd bytes", n);
	close(rd);
	CHECK(temps_in(NULL) == 0, "no temp file made beside it");
}

/* A character device (a /dev/null of our own; root only) likewise. */
static void device(void)
{
	const char *p = at("null");
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) < 0) {
		printf("ok %d # skip mknod: %s\n", ++unit_n, strerror(errno));
		return;
	}
	CHECK(fcvae_atomic_try(p) == 0, "a device can be written");
	CHECK(write_atomic(p, "gone\n") == 0, "written into the device");
	struct stat st;
	CHECK(lstat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3), "the device is still the device");
	CHECK(temps_in(NULL) == 0, "no temp file made beside it");
}

/* A socket cannot be opened for writing: refused at the try. */
static void sock(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/sock", dir);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (!CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0, "bind a socket"))
		return;
	int rc = fcvae_atomic_try(sa.sun_path);
	CHECK(rc < 0 && errno == ENXIO, "a socket is refused (ENXIO)");
	CHECK(kind_of(sa.sun_path) == S_IFSOCK && temps_in(NULL) == 0, "and left as it was");
	close(s);
}

/* A symbolic link stays; the file at the end of its chain is replaced. */
static void links(void)
{
	char v[512], v1[512], cur[512], v2[512];
	snprintf(v, sizeof v, "%s/v", dir);
	snprintf(v1, sizeof v1, "%s/v/v1", dir);
	snprintf(v2, sizeof v2, "%s/v/v2", dir);
	snprintf(cur, sizeof cur, "%s/cur", dir);
	/* chain -> (absolute) cur -> (relative to its directory) v/v1 */
	CHECK(mkdir(v, 0755) == 0 && write_atomic(v1, "old\n") == 0 && chmod(v1, 0600) == 0 &&
	      symlink("v/v1", cur) == 0 && symlink(cur, at("chain")) == 0, "v/v1, cur -> v/v1, chain -> cur");
	CHECK(fcvae_atomic_try(at("chain")) == 0 && write_atomic(at("chain"), "new\n") == 0, "written through chain");
	CHECK(kind_of(at("chain")) == S_IFLNK && kind_of(cur) == S_IFLNK, "both links stay links");
	CHECK(holds(v1, "new\n"), "the file they lead to holds the new text");
	struct stat st;
	int mode = stat(v1, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
	CHECK(mode == 0600, "and keeps its mode: %o", mode);
	CHECK(temps_in(NULL) == 0 && temps_in(v) == 0, "no temp file left in either directory");

	/* dangling: its target is made, where its directory exists */
	CHECK(symlink("v/v2", at("dangling")) == 0 && write_atomic(at("dangling"), "two\n") == 0,
	      "written through a dangling link");
	CHECK(kind_of(at("dangling")) == S_IFLNK && kind_of(v2) == S_IFREG && holds(v2, "two\n"),
	      "the link stays, its target made");
	CHECK(symlink("nodir/x", at("lost")) == 0, "a link into a directory that is not there");
	int rc = fcvae_atomic_try(at("lost"));
	CHECK(rc < 0 && errno == ENOENT, "cannot be written (ENOENT)");
	CHECK(kind_of(at("lost")) == S_IFLNK && temps_in(NULL) == 0, "and stays as it was");
	CHECK(symlink("loop", at("loop")) == 0, "a link to itself");
	rc = fcvae_atomic_try(at("loop"));
	CHECK(rc < 0 && errno == ELOOP, "cannot be written (ELOOP)");
	CHECK(kind_of(at("loop")) == S_IFLNK, "and stays as it was");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	regular();
	fifo();
	device();
	sock();
	links();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return unit_done();
}
