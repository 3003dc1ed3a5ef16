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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* <mount>/<slot>/regs/BLOCK/REGISTER[.FIELD] for @name, or -EINVAL. */
static int apl_reg_path(struct aperture *ap, const char *name, char *path,
			size_t len)
{
	const char *dot = strchr(name, '.');
	size_t dots = 0;

	if (!dot || dot == name || strchr(name, '/'))
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (*p == '.' && (++dots > 2 || !p[1] || p[1] == '.'))
			return -EINVAL;
	if (snprintf(path, len, "%s/%s/regs/%.*s/%s", ap->mount, ap->slot,
		     (int)(dot - name), name, dot + 1) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int aperture_reg_access(struct aperture *ap, const char *name, int mode)
{
	char path[APERTURE_PATH_MAX + 64];
	int ret = apl_reg_path(ap, name, path, sizeof(path));

	return ret ? ret : apl_access(path, mode);
}

int aperture_reg_read_text(struct aperture *ap, const char *name, char *buf,
			   size_t len)
{
	char path[APERTURE_PATH_MAX + 64];
	ssize_t n;
	int fd, ret;

	if (!len)
		return -EINVAL;
	ret = apl_reg_path(ap, name, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int aperture_reg_write_text(struct aperture *ap, const char *name,
			    const char *text)
{
	char path[APERTURE_PATH_MAX + 64];
	size_t len = strlen(text);
	int fd, ret;

	ret = apl_reg_path(ap, name, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* One write(2): the daemon takes the value whole. */
	ret = write(fd, text, len) == (ssize_t)len ? 0 : -errno;
	if (!ret && close(fd))
		return -errno;
	if (ret)
		close(fd);
	return ret;
}

int aperture_reg_read(struct aperture *ap, const char *name, uint64_t *val)
{
	char text[64], *end;
	int ret = aperture_reg_read_text(ap, name, text, sizeof(text));

	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(text, &end, 0);
	return errno || end == text || *end ? -EIO : 0;
}

int aperture_reg_write(struct aperture *ap, const char *name, uint64_t val)
{
	char text[32];

	snprintf(text, sizeof(text), "0x%llx\n", (unsigned long long)val);
	return aperture_reg_write_text(ap, name, text);
}

int aperture_reg_wait(struct aperture *ap, const char *name, uint64_t want,
		      unsigned int timeout_ms, uint64_t *last)
{
	const struct timespec pause = { 0, 1000000 };
	struct timespec t0, t;
	uint64_t v;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool late;

		clock_gettime(CLOCK_MONOTONIC, &t);
		late = (uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000u +
			       t.tv_nsec - t0.tv_nsec >=
		       (uint64_t)timeout_ms * 1000000;
		ret = aperture_reg_read(ap, name, &v);
		if (ret)
			return ret;
		if (last)
			*last = v;
		if (v == want)
			return 0;
		if (late)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
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
		return -errno;
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
