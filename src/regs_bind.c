// SPDX-License-Identifier: MIT
/*
 * regs_bind.c - descriptions found by file name (regs_bind.h): the name
 * says vendor, device and BAR; the set keeps the first file of each
 * binding, with its model or why it has none.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regs_bind.h"

int regs_bind_parse_name(const char *name, uint16_t *vendor,
			 uint16_t *device, int *bar)
{
	unsigned int v, d, b = 0;
	const char *ext = name + 9;
	int i;

	for (i = 0; i < 9; i++)
		if (i == 4 ? name[i] != ':' : !isxdigit((unsigned char)name[i]))
			return -EINVAL;
	if (sscanf(name, "%4x:%4x", &v, &d) != 2)
		return -EINVAL;
	if (!strncmp(ext, "-bar", 4)) {
		if (ext[4] < '0' || ext[4] > '5')
			return -EINVAL;
		b = ext[4] - '0';
		ext += 5;
	}
	if (strcmp(ext, ".svd") && strcmp(ext, ".xml"))
		return -EINVAL;
	*vendor = v;
	*device = d;
	*bar = b;
	return 0;
}

struct regs_set *regs_set_new(void)
{
	return calloc(1, sizeof(struct regs_set));
}

void regs_set_free(struct regs_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		regs_free(s->v[i].desc);
		free(s->v[i].path);
	}
	free(s->v);
	free(s);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int regs_set_add_file(struct regs_set *s, const char *path,
		      struct regs_error *err)
{
	struct regs_bound *b, *v;
	uint16_t vendor, device;
	int bar, ret;
	size_t i, j;

	if (regs_bind_parse_name(base_name(path), &vendor, &device, &bar)) {
		if (err) {
			snprintf(err->file, sizeof(err->file), "%s", path);
			err->line = 0;
			snprintf(err->problem, sizeof(err->problem),
				 "the name says nothing to bind it to: name "
				 "it VVVV:DDDD.svd, VVVV:DDDD-barN.xml ...");
		}
		return -EINVAL;
	}
	for (i = 0; i < s->n; i++)
		if (s->v[i].vendor == vendor && s->v[i].device == device &&
		    s->v[i].bar == bar)
			return 1;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	b = &s->v[s->n];
	memset(b, 0, sizeof(*b));
	b->vendor = vendor;
	b->device = device;
	b->bar = bar;
	b->path = strdup(path);
	if (!b->path)
		return -ENOMEM;
	s->n++;
	ret = regs_load_file(path, &b->desc, &b->err);
	if (ret) {
		if (err)
			*err = b->err;
		return ret == -ENOMEM ? ret : -EINVAL;
	}
	for (j = 0; j < b->desc->n_blocks; j++)
		b->desc->blocks[j].bar = bar;
	return 0;
}

static int select_binding(const struct dirent *de)
{
	uint16_t v, d;
	int b;

	return !regs_bind_parse_name(de->d_name, &v, &d, &b);
}

int regs_set_add_dir(struct regs_set *s, const char *dir)
{
	struct dirent **names;
	char *path;
	int n, i, ret = 0;

	n = scandir(dir, &names, select_binding, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (i = 0; i < n; i++) {
		if (!ret) {
			if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0) {
				ret = -ENOMEM;
			} else {
				ret = regs_set_add_file(s, path, NULL);
				/* A file that does not parse stays with its
				 * error; only running out of memory stops. */
				ret = ret == -ENOMEM ? ret : 0;
				free(path);
			}
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

const struct regs_bound *regs_set_get(const struct regs_set *s,
				      uint16_t vendor, uint16_t device,
				      size_t i)
{
	size_t k;

	for (k = 0; k < s->n; k++)
		if (s->v[k].vendor == vendor && s->v[k].device == device &&
		    i-- == 0)
			return &s->v[k];
	return NULL;
}
