// SPDX-License-Identifier: MIT
/*
 * parse.c - option values: keywords to enums and flags, modes, users.
 *
 * Each parser returns 0 or -errno and leaves *out alone on error, so that
 * the daemon can name the option in its message.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "aperture.h"

/* One keyword and the value it stands for. */
struct ap_keyword {
	const char *name;	/* as typed in -o key=name */
	uint32_t value;		/* flags or enum value */
};

static int ap_keyword_find(const struct ap_keyword *k, const char *s,
			   uint32_t *out)
{
	for (; k->name; k++) {
		if (!strcmp(k->name, s)) {
			*out = k->value;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *ap_keyword_name(const struct ap_keyword *k, uint32_t v)
{
	for (; k->name; k++)
		if (k->value == v)
			return k->name;
	return "?";
}

static const struct ap_keyword ap_widths[];
static const struct ap_keyword ap_memtypes[];
static const struct ap_keyword ap_passthroughs[];

int ap_parse_width(const char *s, uint32_t *flags)
{
	return ap_keyword_find(ap_widths, s, flags);
}

int ap_parse_memtype(const char *s, uint32_t *flags)
{
	return ap_keyword_find(ap_memtypes, s, flags);
}

int ap_parse_passthrough(const char *s, enum ap_passthrough *out)
{
	uint32_t v;
	int ret = ap_keyword_find(ap_passthroughs, s, &v);

	if (!ret)
		*out = v;
	return ret;
}

const char *ap_width_name(uint32_t flags)
{
	return ap_keyword_name(ap_widths, flags & APERTURE_IO_WIDTH_MASK);
}

const char *ap_memtype_name(uint32_t flags)
{
	return ap_keyword_name(ap_memtypes, flags & APERTURE_IO_MEMTYPE_MASK);
}

const char *ap_passthrough_name(enum ap_passthrough p)
{
	return ap_keyword_name(ap_passthroughs, p);
}

int ap_parse_umask(const char *s, mode_t *out)
{
	unsigned long v;
	char *end;

	if (!*s || strspn(s, "01234567") != strlen(s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > 0777)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A decimal id, or -EINVAL; -ENODATA if @s is not a number at all. */
static int ap_parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!*s)
		return -EINVAL;
	if (strspn(s, "0123456789") != strlen(s))
		return -ENODATA;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out >= (unsigned long)(uint32_t)-1)
		return -EINVAL;
	return 0;
}

/* A name lookup's first buffer, and the most it grows to on ERANGE. */
#define AP_NSS_BUF_MIN	1024
#define AP_NSS_BUF_MAX	(64u << 20)

int ap_parse_uid(const char *s, uid_t *out)
{
	struct passwd pw, *res = NULL;
	size_t len = AP_NSS_BUF_MIN;
	char *buf = NULL, *tmp;
	unsigned long v;
	int ret;

	ret = ap_parse_id(s, &v);
	if (!ret) {
		*out = v;
		return 0;
	}
	if (ret != -ENODATA)
		return ret;
	for (;; len *= 2) {
		tmp = realloc(buf, len);
		if (!tmp) {
			ret = -ENOMEM;
			break;
		}
		buf = tmp;
		ret = -getpwnam_r(s, &pw, buf, len, &res);
		if (ret != -ERANGE || len >= AP_NSS_BUF_MAX)
			break;
	}
	if (!ret && !res)
		ret = -ENOENT;
	if (!ret)
		*out = res->pw_uid;
	free(buf);
	return ret;
}

int ap_parse_gid(const char *s, gid_t *out)
{
	struct group gr, *res = NULL;
	size_t len = AP_NSS_BUF_MIN;
	char *buf = NULL, *tmp;
	unsigned long v;
	int ret;

	ret = ap_parse_id(s, &v);
	if (!ret) {
		*out = v;
		return 0;
	}
	if (ret != -ENODATA)
		return ret;
	for (;; len *= 2) {
		tmp = realloc(buf, len);
		if (!tmp) {
			ret = -ENOMEM;
			break;
		}
		buf = tmp;
		ret = -getgrnam_r(s, &gr, buf, len, &res);
		if (ret != -ERANGE || len >= AP_NSS_BUF_MAX)
			break;
	}
	if (!ret && !res)
		ret = -ENOENT;
	if (!ret)
		*out = res->gr_gid;
	free(buf);
	return ret;
}

static const struct ap_keyword ap_widths[] = {
	{ "auto", APERTURE_IO_WIDTH_AUTO },
	{ "8", APERTURE_IO_WIDTH_8 },
	{ "16", APERTURE_IO_WIDTH_16 },
	{ "32", APERTURE_IO_WIDTH_32 },
	{ "64", APERTURE_IO_WIDTH_64 },
	{ NULL, 0 },
};

static const struct ap_keyword ap_memtypes[] = {
	{ "auto", APERTURE_IO_MEMTYPE_AUTO },
	{ "uc", APERTURE_IO_MEMTYPE_UC },
	{ "wc", APERTURE_IO_MEMTYPE_WC },
	{ NULL, 0 },
};

static const struct ap_keyword ap_passthroughs[] = {
	{ "all", AP_PASSTHROUGH_ALL },
	{ "mmap", AP_PASSTHROUGH_MMAP },
	{ "off", AP_PASSTHROUGH_OFF },
	{ NULL, 0 },
};
