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

/*
 * A user or group name looked up with a growing buffer: the *_r lookups
 * say ERANGE when an entry (a large group) does not fit.  lookup wraps
 * getpwnam_r or getgrnam_r and stores the id in *id.
 */
typedef int ap_nss_lookup(const char *name, char *buf, size_t len,
			  unsigned long *id);

static int ap_parse_name(const char *s, unsigned long *out,
			 ap_nss_lookup *lookup)
{
	size_t len = AP_NSS_BUF_MIN;
	char *buf = NULL, *tmp;
	int ret;

	ret = ap_parse_id(s, out);
	if (ret != -ENODATA)
		return ret;
	for (;; len *= 2) {
		tmp = realloc(buf, len);
		if (!tmp) {
			ret = -ENOMEM;
			break;
		}
		buf = tmp;
		ret = lookup(s, buf, len, out);
		if (ret != -ERANGE || len >= AP_NSS_BUF_MAX)
			break;
	}
	free(buf);
	return ret;
}

static int ap_lookup_user(const char *name, char *buf, size_t len,
			  unsigned long *id)
{
	struct passwd pw, *res = NULL;
	int ret = -getpwnam_r(name, &pw, buf, len, &res);

	if (!ret && !res)
		ret = -ENOENT;
	if (!ret)
		*id = res->pw_uid;
	return ret;
}

static int ap_lookup_group(const char *name, char *buf, size_t len,
			   unsigned long *id)
{
	struct group gr, *res = NULL;
	int ret = -getgrnam_r(name, &gr, buf, len, &res);

	if (!ret && !res)
		ret = -ENOENT;
	if (!ret)
		*id = res->gr_gid;
	return ret;
}

int ap_parse_uid(const char *s, uid_t *out)
{
	unsigned long v;
	int ret = ap_parse_name(s, &v, ap_lookup_user);

	if (!ret)
		*out = v;
	return ret;
}

int ap_parse_gid(const char *s, gid_t *out)
{
	unsigned long v;
	int ret = ap_parse_name(s, &v, ap_lookup_group);

	if (!ret)
		*out = v;
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
