// SPDX-License-Identifier: MIT
/*
 * trace.c - `aperture trace`: the module's aperture_io tracepoints,
 * enabled in a tracefs instance of its own (so the global buffer and
 * other tracers are left alone), one line per event:
 *
 *	read 0000:00:04.0 bar0 0x0.l -> 0x010000ed
 *	write 0000:00:04.0 bar0 0x4.l=0x12345678
 *	read 0000:00:05.0 bar2 0x0+0x1000
 *	open 0000:00:04.0 bar0
 *	mmap 0000:00:05.0 bar2 0x0+0x100000
 *	refused open 0000:00:04.0 bar0 0x0+0x0: EPERM
 *
 * With a COMMAND it traces while that runs and prints the accesses in
 * the order the module saw them; without one it streams until SIGINT.
 * A read or write at a described register's offset ends with its name
 * ("edu.STATUS"), taken from the function's `registers` listing, read
 * once before tracing starts: for the function given with -s/-d, or
 * without them for every function of the mount (-m, or the first one in
 * /proc/self/mountinfo; with no mount the lines carry no names).
 * Accesses through a mapping are CPU loads and stores: never seen.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apc.h"

static const char *const apc_tracefs_roots[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

/* Write @text to @dir/@file; 0 or -errno. */
static int apc_put(const char *dir, const char *file, const char *text)
{
	char path[APERTURE_PATH_MAX + 128];
	size_t len = strlen(text);
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		ret = -errno;
	close(fd);
	return ret;
}

/* One function's register names: its slot and `registers` listing. */
struct apc_names {
	char slot[16];		/* "dddd:bb:dd.f", as the trace lines have it */
	char *regs;		/* its registers file, malloc'ed */
};

/* Add @ap's listing to @v (*@n entries); a function without one adds none. */
static void apc_names_add(struct aperture *ap, struct apc_names **v,
			  size_t *n)
{
	struct apc_names *w;
	char *regs;

	if (aperture_snapshot(ap, &regs))
		return;
	w = realloc(*v, (*n + 1) * sizeof(**v));
	if (!w) {
		free(regs);
		return;
	}
	*v = w;
	snprintf(w[*n].slot, sizeof(w[*n].slot), "%s", aperture_slot(ap));
	w[(*n)++].regs = regs;
}

/*
 * The names to print: @ap's, or (@ap NULL) those of every function under
 * @mount (NULL: the first aperturefs mount).  Reading a listing reads
 * registers, so this runs before the events are enabled.
 */
static size_t apc_names_load(struct aperture *ap, const char *mount,
			     struct apc_names **v)
{
	char mnt[APERTURE_PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	*v = NULL;
	if (ap) {
		apc_names_add(ap, v, &n);
		return n;
	}
	if (!mount) {
		if (aperture_find_mount(mnt, sizeof(mnt)))
			return 0;
		mount = mnt;
	}
	d = opendir(mount);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		unsigned int dom, bus, dev, fn;
		struct aperture *f;
		char end;

		/* Function directories only: "dddd:bb:dd.f". */
		if (sscanf(de->d_name, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn,
			   &end) != 4 || aperture_open(mount, de->d_name, &f))
			continue;
		apc_names_add(f, v, &n);
		aperture_close(f);
	}
	closedir(d);
	return n;
}

static void apc_names_free(struct apc_names *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].regs);
	free(v);
}

int apc_trace_format(const char *line, char *out, size_t len)
{
	static const char *const ops[] = { "open", "read", "write", "mmap" };
	unsigned int dom, bus, dev, fn, bar, op;
	unsigned long long off, n, val;
	const char *ev = strstr(line, "aperture_io_");
	char name[16], where[64], what[64];
	int err, fd;

	if (!ev || sscanf(ev, "aperture_io_%15[a-z]:", name) != 1)
		return -EINVAL;
	ev = strstr(ev, "dev=");
	if (!ev || sscanf(ev, "dev=%x:%x:%x.%u bar=%u", &dom, &bus, &dev, &fn,
			  &bar) != 5)
		return -EINVAL;
	snprintf(where, sizeof(where), "%04x:%02x:%02x.%u bar%u", dom, bus,
		 dev, fn, bar);
	if (!strcmp(name, "open") && sscanf(ev, "%*s %*s fd=%d", &fd) == 1) {
		snprintf(out, len, "open %s", where);
		return 0;
	}
	if (!strcmp(name, "refuse") &&
	    sscanf(strstr(ev, "op="), "op=%15s off=%llx len=%llu err=%d",
		   what, &off, &n, &err) == 4) {
		const char *e = aperture_errno_name(err);

		snprintf(out, len, "refused %s %s 0x%llx+0x%llx: %s", what,
			 where, off, n, e ? e : "?");
		return 0;
	}
	if (sscanf(strstr(ev, "off="), "off=%llx len=%llu val=%llx", &off, &n,
		   &val) != 3)
		return -EINVAL;
	for (op = 1; op < 4 && strcmp(name, ops[op]); op++)
		;
	if (op == 4)
		return -EINVAL;
	if (op == 3 || n > 8) {
		snprintf(out, len, "%s %s 0x%llx+0x%llx", name, where, off, n);
		return 0;
	}
	if ((n == 1 || n == 2 || n == 4 || n == 8) && !(off & (n - 1)))
		snprintf(what, sizeof(what), "0x%llx.%c", off,
			 apc_width_letter(n));
	else
		snprintf(what, sizeof(what), "0x%llx+0x%llx", off, n);
	if (op == 1)
		snprintf(out, len, "read %s %s -> 0x%0*llx", where, what,
			 (int)(2 * n), val);
	else
		snprintf(out, len, "write %s %s=0x%0*llx", where, what,
			 (int)(2 * n), val);
	return 0;
}

/*
 * The name of the register at BAR @bar, @off in a registers listing
 * (lines "bar<N> 0x<OFFSET> <BLOCK> <REGISTER> ..."), into @name.
 */
static bool apc_trace_name(const char *regs, unsigned int bar,
			   unsigned long long off, char *name, size_t len)
{
	for (const char *p = regs; p && *p; p = strchr(p, '\n'),
			p = p ? p + 1 : NULL) {
		unsigned int b;
		unsigned long long o;
		char blk[64], reg[64];

		if (sscanf(p, "bar%u %llx %63s %63s", &b, &o, blk, reg) == 4 &&
		    b == bar && o == off) {
			snprintf(name, len, "%s.%s", blk, reg);
			return true;
		}
	}
	return false;
}

/*
 * The register a read or write event line is at, "BLOCK.REGISTER", from
 * the listing of its function in @v (@n entries), into @name.
 */
static bool apc_trace_line_name(const char *line, const struct apc_names *v,
				size_t n, char *name, size_t len)
{
	const char *ev = strstr(line, " dev=");
	unsigned int dom, bus, dev, fn, bar;
	unsigned long long off;
	char slot[32];

	if (!n || (!strstr(line, "aperture_io_read:") &&
		   !strstr(line, "aperture_io_write:")) || !ev ||
	    sscanf(ev, " dev=%x:%x:%x.%u bar=%u off=%llx", &dom, &bus, &dev,
		   &fn, &bar, &off) != 6)
		return false;
	snprintf(slot, sizeof(slot), "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].slot, slot))
			return apc_trace_name(v[i].regs, bar, off, name, len);
	return false;
}

/* Print the formatted lines of the trace text read from @fd. */
static void apc_trace_print(int fd, FILE *out, bool stream,
			    const struct apc_names *v, size_t n)
{
	FILE *f = fdopen(fd, "r");
	char *line = NULL, buf[256], name[160];
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#' || apc_trace_format(line, buf, sizeof(buf)))
			continue;
		if (apc_trace_line_name(line, v, n, name, sizeof(name)))
			fprintf(out, "%s %s\n", buf, name);
		else
			fprintf(out, "%s\n", buf);
		if (stream)
			fflush(out);
	}
	free(line);
	fclose(f);
}

static volatile sig_atomic_t apc_stop;

static void apc_on_signal(int sig)
{
	apc_stop = sig;
}

int apc_trace(struct aperture *ap, const char *mount, char **cmd, FILE *out)
{
	const char *slot = ap ? aperture_slot(ap) : NULL;
	struct apc_names *names;
	size_t n_names;
	char inst[APERTURE_PATH_MAX], filter[128], path[APERTURE_PATH_MAX + 16];
	struct sigaction sa = { 0 };
	const char *root = NULL;
	int ret, status = 0;
	struct stat st;
	pid_t pid;

	for (size_t i = 0; i < 2 && !root; i++) {
		snprintf(path, sizeof(path), "%s/events/aperture_io",
			 apc_tracefs_roots[i]);
		if (!stat(path, &st))
			root = apc_tracefs_roots[i];
	}
	if (!root) {
		fprintf(stderr, "%s: trace: no aperture_io events in "
			"tracefs (%s/events/aperture_io): load aperture_io "
			"and mount tracefs (mount -t tracefs nodev %s)\n",
			apc_prog, apc_tracefs_roots[0], apc_tracefs_roots[0]);
		return AP_EXIT_ACCESS;
	}
	snprintf(inst, sizeof(inst), "%s/instances/aperture-%d", root,
		 (int)getpid());
	if (mkdir(inst, 0700)) {
		fprintf(stderr, "%s: trace: mkdir %s: %s (%s)\n", apc_prog,
			inst, strerror(errno), aperture_errno_name(errno));
		return AP_EXIT_ACCESS;
	}
	/* Names first: reading the listings reads registers, untraced. */
	n_names = apc_names_load(ap, mount, &names);
	ret = 0;
	if (slot) {
		unsigned int dom, bus, dev, fn;

		sscanf(slot, "%x:%x:%x.%x", &dom, &bus, &dev, &fn);
		snprintf(filter, sizeof(filter),
			 "domain == %u && bus == %u && devfn == %u", dom, bus,
			 dev << 3 | fn);
		ret = apc_put(inst, "events/aperture_io/filter", filter);
	}
	if (!ret)
		ret = apc_put(inst, "events/aperture_io/enable", "1");
	if (ret) {
		fprintf(stderr, "%s: trace: enabling events in %s: %s "
			"(%s)\n", apc_prog, inst, strerror(-ret),
			aperture_errno_name(ret));
		rmdir(inst);
		apc_names_free(names, n_names);
		return AP_EXIT_ACCESS;
	}
	/* No SA_RESTART: a signal ends the read of trace_pipe. */
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = apc_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (cmd && cmd[0]) {
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			execvp(cmd[0], cmd);
			fprintf(stderr, "%s: trace: %s: %s\n", apc_prog, cmd[0],
				strerror(errno));
			_exit(127);
		}
		while (pid > 0 && waitpid(pid, &status, 0) < 0 &&
		       errno == EINTR)
			;
		apc_put(inst, "events/aperture_io/enable", "0");
		snprintf(path, sizeof(path), "%s/trace", inst);
		apc_trace_print(open(path, O_RDONLY | O_CLOEXEC), out, false,
				names, n_names);
		status = WIFEXITED(status) ? WEXITSTATUS(status) :
					     128 + WTERMSIG(status);
	} else {
		int fd;

		snprintf(path, sizeof(path), "%s/trace_pipe", inst);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		apc_trace_print(fd, out, true, names, n_names);
		apc_put(inst, "events/aperture_io/enable", "0");
	}
	fflush(out);
	apc_names_free(names, n_names);
	if (rmdir(inst))
		fprintf(stderr, "%s: trace: rmdir %s: %s\n", apc_prog, inst,
			strerror(errno));
	return status;
}
