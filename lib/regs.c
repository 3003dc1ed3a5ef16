// SPDX-License-Identifier: MIT
/*
 * regs.c - registers by name, snapshots and their differences.
 *
 * Names go through the mount: BLOCK.REGISTER[.FIELD] is the file
 * <fn>/regs/BLOCK/REGISTER[.FIELD] that the daemon serves from its one
 * description model, so the daemon parses the description, turns a name
 * into its access, formats values and checks what is written; nothing is
 * parsed or formatted twice.  A snapshot is the function's `registers`
 * file as it is; a diff compares two of them line by line, keyed by the
 * first four words of a line (bar<N> 0x<OFFSET> <BLOCK> <REGISTER>).
 * A wait opens its register once and reads it at offset 0 per poll (the
 * daemon reads the device at every read at offset 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* <mount>/<slot>/regs/BLOCK/REGISTER[.FIELD] for @name, or -EINVAL. */
static int apl_reg_path(struct aperture *ap, const char *name, char *path,
			size_t len)
{
	const char *dot = name ? strchr(name, '.') : NULL;
	size_t dots = 0;

	if (!dot || dot == name || strchr(name, '/'))
		return apl_fail(ap, -EINVAL, "'%s': not BLOCK.REGISTER or "
				"BLOCK.REGISTER.FIELD", name ? name : "(null)");
	for (const char *p = name; *p; p++)
		if (*p == '.' && (++dots > 2 || !p[1] || p[1] == '.'))
			return apl_fail(ap, -EINVAL, "'%s': not BLOCK.REGISTER "
					"or BLOCK.REGISTER.FIELD", name);
	if (snprintf(path, len, "%s/%s/regs/%.*s/%s", ap->mount, ap->slot,
		     (int)(dot - name), name, dot + 1) >= (int)len)
		return apl_fail(ap, -ENAMETOOLONG, "'%s': name too long",
				name);
	return 0;
}

/* "regs/BLOCK/REGISTER[.FIELD]" of @name, as the daemon names it. */
static void apl_reg_file(const char *name, char *buf, size_t len)
{
	const char *dot = strchr(name, '.');

	snprintf(buf, len, "regs/%.*s/%s", (int)(dot - name), name, dot + 1);
}

/* Why an access to register @name failed with @ret, for the handle. */
static int apl_reg_fail(struct aperture *ap, const char *name, int ret,
			bool write)
{
	const char *ename = aperture_errno_name(ret);
	char file[APERTURE_PATH_MAX];

	apl_reg_file(name, file, sizeof(file));
	switch (ret) {
	case -ENOENT:
		return apl_fail(ap, ret, "%s: no such register in the "
				"descriptions of the mount (aperturefs "
				"-o regs=DIR)", file);
	case -EACCES:
		return apl_fail(ap, ret, "%s: %s", file, write ?
				"read-only" : "write-only");
	default:
		return apl_fail(ap, ret, "%s: %s: %s (%s)", file,
				write ? "write" : "read", strerror(-ret),
				ename ? ename : "?");
	}
}

/*
 * Why the daemon refused @text for @name (EINVAL).  Its reason is a
 * function of the register and the text alone; info's "regs.refused"
 * line holds the last one any caller got, so it is taken only if it is
 * about this register and this text, never another caller's.
 */
static int apl_reg_refused(struct aperture *ap, const char *name,
			   const char *text)
{
	char file[APERTURE_PATH_MAX], want[APERTURE_PATH_MAX + 80];
	char line[APERTURE_PATH_MAX + 256];
	size_t tl = strlen(text), n;

	if (tl && text[tl - 1] == '\n')
		tl--;
	apl_reg_file(name, file, sizeof(file));
	n = (size_t)snprintf(want, sizeof(want), "%s: '%.*s': ", file,
			     (int)tl, text);
	if (n < sizeof(want) &&
	    !aperture_info(ap, "regs.refused", line, sizeof(line)) &&
	    !strncmp(line, want, n) && line[n])
		return apl_fail(ap, -EINVAL, "%s", line);
	return apl_fail(ap, -EINVAL, "%s: '%.*s': refused by the daemon (it "
			"does not fit, or names no value)", file, (int)tl,
			text);
}

int aperture_reg_access(struct aperture *ap, const char *name, int mode)
{
	char path[APERTURE_PATH_MAX + 64];
	int ret = apl_reg_path(ap, name, path, sizeof(path));

	return ret ? ret : apl_access(path, mode);
}

/* Open register @name's file with @flags: a descriptor, or -errno. */
static int apl_reg_open(struct aperture *ap, const char *name, int flags)
{
	char path[APERTURE_PATH_MAX + 64];
	int fd, ret;

	ret = apl_reg_path(ap, name, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return apl_reg_fail(ap, name, -errno, flags != O_RDONLY);
	return fd;
}

/* One read of the register at offset 0 of @fd: its text, no newline. */
static int apl_reg_pread(struct aperture *ap, const char *name, int fd,
			 char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	if (n < 0)
		return apl_reg_fail(ap, name, -errno, false);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int aperture_reg_read_text(struct aperture *ap, const char *name, char *buf,
			   size_t len)
{
	int fd, ret;

	if (!len)
		return -EINVAL;
	fd = apl_reg_open(ap, name, O_RDONLY);
	if (fd < 0)
		return fd;
	ret = apl_reg_pread(ap, name, fd, buf, len);
	close(fd);
	return ret;
}

int aperture_reg_write_text(struct aperture *ap, const char *name,
			    const char *text)
{
	size_t len = strlen(text);
	int fd, ret;

	fd = apl_reg_open(ap, name, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return fd;
	/* One write(2): the daemon takes the value whole. */
	ret = write(fd, text, len) == (ssize_t)len ? 0 : -errno;
	if (!ret && close(fd))
		ret = -errno;
	else if (ret)
		close(fd);
	if (ret == -EINVAL)
		return apl_reg_refused(ap, name, text);
	return ret ? apl_reg_fail(ap, name, ret, true) : 0;
}

/* @text as a number (the daemon prints 0x hex or decimal). */
static int apl_reg_number(struct aperture *ap, const char *name,
			  const char *text, uint64_t *val)
{
	char file[APERTURE_PATH_MAX], *end;

	errno = 0;
	*val = strtoull(text, &end, 0);
	if (!errno && end != text && !*end)
		return 0;
	apl_reg_file(name, file, sizeof(file));
	return apl_fail(ap, -EIO, "%s: read '%s', not a number", file, text);
}

int aperture_reg_read(struct aperture *ap, const char *name, uint64_t *val)
{
	char text[64];
	int ret = aperture_reg_read_text(ap, name, text, sizeof(text));

	return ret ? ret : apl_reg_number(ap, name, text, val);
}

int aperture_reg_write(struct aperture *ap, const char *name, uint64_t val)
{
	char text[32];

	snprintf(text, sizeof(text), "0x%llx\n", (unsigned long long)val);
	return aperture_reg_write_text(ap, name, text);
}

/*
 * Whether the mount lets a wait read register @name: the daemon's
 * regs/.check answers "wait NAME=VALUE" as the wait would be answered,
 * and refuses (EPERM) a register whose read has a side effect, which
 * polling would consume (aperturefs(8)).  No device access.  A mount
 * without .check (an older aperturefs) or a read-only one (where the
 * request is an attribute's name) is left to the reads themselves.
 */
static int apl_reg_wait_allowed(struct aperture *ap, const char *name,
				uint64_t want)
{
	char path[APERTURE_PATH_MAX + 64], req[256], ans[256];
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s/regs/.check", ap->mount, ap->slot);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = snprintf(req, sizeof(req), "wait %s=0x%llx", name,
		     (unsigned long long)want);
	if (write(fd, req, n) != n && errno == EPERM) {
		n = pread(fd, ans, sizeof(ans) - 1, 0);
		ans[n > 0 ? n : 0] = 0;
		ans[strcspn(ans, "\n")] = 0;
		ret = apl_fail(ap, -EPERM, "%s: wait: %s", name, *ans ? ans :
			       "reading it has a side effect (readAction)");
	}
	close(fd);
	return ret;
}

int aperture_reg_wait(struct aperture *ap, const char *name, uint64_t want,
		      unsigned int timeout_ms, uint64_t *last)
{
	struct apl_poll poll;
	char text[64];
	uint64_t v;
	int fd, ret;

	ret = apl_reg_wait_allowed(ap, name, want);
	if (ret)
		return ret;
	fd = apl_reg_open(ap, name, O_RDONLY);
	if (fd < 0)
		return fd;
	apl_poll_start(&poll, timeout_ms);
	for (;;) {
		bool late = apl_poll_late(&poll);

		ret = apl_reg_pread(ap, name, fd, text, sizeof(text));
		if (!ret)
			ret = apl_reg_number(ap, name, text, &v);
		if (ret)
			break;
		if (last)
			*last = v;
		if (v == want)
			break;
		if (late) {
			char file[APERTURE_PATH_MAX];

			apl_reg_file(name, file, sizeof(file));
			ret = apl_fail(ap, -ETIMEDOUT, "%s: wait: timed out "
				       "after %u ms waiting for 0x%llx; last "
				       "value 0x%llx", file, timeout_ms,
				       (unsigned long long)want,
				       (unsigned long long)v);
			break;
		}
		apl_poll_pause(&poll);
	}
	close(fd);
	return ret;
}

int aperture_snapshot(struct aperture *ap, char **text)
{
	char path[APERTURE_PATH_MAX + 64], *buf = NULL;
	size_t n = 0, cap = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/registers", ap->mount, ap->slot);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return apl_fail(ap, -errno, "registers: %s", strerror(errno));
	do {
		if (n + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = 2 * cap + 8192);

			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + n, 4096);
		if (r > 0)
			n += r;
	} while (r > 0);
	if (r < 0) {
		r = -errno;
		free(buf);
		close(fd);
		return r;
	}
	close(fd);
	buf[n] = 0;
	*text = buf;
	return 0;
}

/* One line of a `registers` listing, cut into its words. */
struct apl_line {
	char key[160];		/* "bar0 0x00000020 edu STATUS" */
	char name[128];		/* "edu.STATUS" */
	char *words[64];	/* value, then FIELD=DEC[(ENUM)]... */
	int n;			/* entries of words */
	char buf[1024];		/* the line, cut */
};

static int apl_line_parse(const char *line, size_t len, struct apl_line *l)
{
	char *w[4], *save = NULL, *tok;

	snprintf(l->buf, sizeof(l->buf), "%.*s", (int)len, line);
	for (int i = 0; i < 4; i++) {
		w[i] = strtok_r(i ? NULL : l->buf, " ", &save);
		if (!w[i])
			return -EINVAL;
	}
	snprintf(l->key, sizeof(l->key), "%s %s %s %s", w[0], w[1], w[2],
		 w[3]);
	snprintf(l->name, sizeof(l->name), "%s.%s", w[2], w[3]);
	l->n = 0;
	while ((tok = strtok_r(NULL, " ", &save)) && l->n < 64)
		l->words[l->n++] = tok;
	return l->n ? 0 : -EINVAL;
}

/* The parsed lines of a snapshot (malloc'ed), their count in *@n. */
static int apl_lines(const char *text, struct apl_line **out, size_t *n)
{
	struct apl_line *v = NULL;
	size_t cap = 0;
	const char *p = text;

	*n = 0;
	while (*p) {
		size_t len = strcspn(p, "\n");

		if (len) {
			if (*n == cap) {
				struct apl_line *nv;

				cap = cap ? 2 * cap : 32;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			if (apl_line_parse(p, len, &v[*n])) {
				free(v);
				return -EINVAL;
			}
			(*n)++;
		}
		p += len + (p[len] == '\n');
	}
	*out = v;
	return 0;
}

/* The word "FIELD=..." of @l named like @word's field, or NULL. */
static const char *apl_field(const struct apl_line *l, const char *word)
{
	size_t k = strcspn(word, "=");

	for (int i = 1; i < l->n; i++)
		if (!strncmp(l->words[i], word, k) && l->words[i][k] == '=')
			return l->words[i];
	return NULL;
}

int aperture_diff(const char *before, const char *after, char **text)
{
	struct apl_line *a = NULL, *b = NULL;
	size_t na, nb, len = 0;
	char *out = NULL;
	int ret, count = 0;
	FILE *f;

	ret = apl_lines(before, &a, &na);
	if (!ret)
		ret = apl_lines(after, &b, &nb);
	if (ret)
		goto out_free;
	f = open_memstream(&out, &len);
	if (!f) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (size_t i = 0; i < nb; i++) {
		const struct apl_line *o = NULL;
		bool first = true;

		for (size_t j = 0; j < na && !o; j++)
			if (!strcmp(a[j].key, b[i].key))
				o = &a[j];
		if (!o) {
			fprintf(f, "%s only after: %s\n", b[i].name,
				b[i].words[0]);
			count++;
			continue;
		}
		if (o->n == b[i].n && !strcmp(o->words[0], b[i].words[0])) {
			bool same = true;

			for (int k = 1; k < o->n && same; k++)
				same = !strcmp(o->words[k], b[i].words[k]);
			if (same)
				continue;
		}
		fprintf(f, "%s %s -> %s", b[i].name, o->words[0],
			b[i].words[0]);
		for (int k = 1; k < b[i].n; k++) {
			const char *w = b[i].words[k], *ow = apl_field(o, w);
			size_t kl = strcspn(w, "=");

			if (ow && !strcmp(ow, w))
				continue;
			fprintf(f, "%s %.*s %s -> %s", first ? ":" : ",",
				(int)kl, w, ow ? ow + kl + 1 : "-", w + kl + 1);
			first = false;
		}
		fputc('\n', f);
		count++;
	}
	for (size_t j = 0; j < na; j++) {
		bool found = false;

		for (size_t i = 0; i < nb && !found; i++)
			found = !strcmp(a[j].key, b[i].key);
		if (!found) {
			fprintf(f, "%s only before: %s\n", a[j].name,
				a[j].words[0]);
			count++;
		}
	}
	if (fclose(f)) {
		free(out);
		ret = -ENOMEM;
		goto out_free;
	}
	*text = out;
	ret = count;
out_free:
	free(a);
	free(b);
	return ret;
}
