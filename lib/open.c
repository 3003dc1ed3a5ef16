// SPDX-License-Identifier: MIT
/*
 * open.c - finding the mount, naming a function, its BAR files and info.
 *
 * A function is named as lspci names it, through libpci's filter syntax
 * (lib/match.c), or by the mount's by-id/ links; nothing here reads a
 * device or talks to the module: the daemon has done that for the mount.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void aperture_unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = 0;
}

int aperture_find_mount(char *buf, size_t len)
{
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char mnt[4096], type[256];
		const char *sep = strstr(line, " - ");

		/* id parent major:minor root MOUNTPOINT ... - TYPE ... */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%255s", type) != 1)
			continue;
		if (strcmp(type, "fuse.aperturefs"))
			continue;
		aperture_unescape(mnt);
		ret = snprintf(buf, len, "%s", mnt) < (int)len ? 0 :
								 -ENAMETOOLONG;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

static bool aperture_is_hex(const char *s, size_t n)
{
	if (strlen(s) < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "vvvv:dddd" or "vvvv:dddd-N" (by-id/ names): true, N in *@nth. */
static bool aperture_is_byid(const char *dev, unsigned int *nth)
{
	char *end;

	if (!aperture_is_hex(dev, 4) || dev[4] != ':' ||
	    !aperture_is_hex(dev + 5, 4))
		return false;
	*nth = 1;
	if (!dev[9])
		return true;
	if (dev[9] != '-' || !isdigit((unsigned char)dev[10]))
		return false;
	errno = 0;
	*nth = strtoul(dev + 10, &end, 10);
	return !*end && !errno && *nth;
}

/* The slot by-id/@id of @mount points at, "dddd:bb:dd.f". */
static int aperture_resolve_id(const char *mount, const char *dev,
			       unsigned int nth, char *slot, size_t len)
{
	char path[APERTURE_PATH_MAX + 64], target[APERTURE_PATH_MAX];
	const char *base;
	ssize_t r;
	size_t n;

	if (snprintf(path, sizeof(path), "%s/by-id/%.9s", mount, dev) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	/* by-id/ names are lower case, as lspci prints ids. */
	for (n = strlen(path) - 9; path[n]; n++)
		path[n] = (char)tolower((unsigned char)path[n]);
	if (nth > 1)
		snprintf(path + strlen(path), 16, "-%u", nth);
	r = readlink(path, target, sizeof(target) - 1);
	if (r < 0)
		return -errno;
	target[r] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (snprintf(slot, len, "%s", base) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The one function @dev names (aperture_open()), "dddd:bb:dd.f", through
 * libpci's filter syntax as aperture_match() reads it.
 */
static int aperture_resolve(const char *mount, const char *dev, char *slot,
			    size_t len)
{
	char found[2][APERTURE_SLOT_MAX];
	const char *s = NULL, *id = NULL, *spec = dev;
	unsigned int nth;
	int n;

	if ((dev[0] == '-' && (dev[1] == 's' || dev[1] == 'd'))) {
		spec = dev + 2 + strspn(dev + 2, " \t=");
		*(dev[1] == 's' ? &s : &id) = spec;
	} else if (aperture_is_byid(dev, &nth)) {
		return aperture_resolve_id(mount, dev, nth, slot, len);
	} else if (strchr(dev, '.')) {
		s = dev;
	} else {
		const char *colon = strchr(dev, ':');

		/* "00:04": lspci -s reads a bus:device, -d a vendor:device. */
		if (colon && !strchr(colon + 1, ':') &&
		    aperture_match(mount, dev, NULL, found, 0, NULL) >= 0)
			return -EINVAL;
		id = dev;
	}
	n = aperture_match(mount, s, id, found, 2, NULL);
	if (n < 0)
		return n;
	if (!n)
		return -ENOENT;
	if (n > 1)
		return -ENOTUNIQ;
	return snprintf(slot, len, "%s", found[0]) < (int)len ? 0 :
								-ENAMETOOLONG;
}

int aperture_open(const char *mount, const char *dev, struct aperture **out)
{
	char path[APERTURE_PATH_MAX + 64];
	struct aperture *ap;
	struct stat st;
	int ret;

	if (!dev || !out)
		return -EINVAL;
	ap = calloc(1, sizeof(*ap));
	if (!ap)
		return -ENOMEM;
	for (int i = 0; i < APERTURE_NR_BARS; i++)
		ap->bars[i].fd = -1;
	/* getenv, not secure_getenv (glibc's): the variable only ever
	 * turns a mapping off. */
	if (getenv("APERTURE_ACCESS") &&
	    !strcmp(getenv("APERTURE_ACCESS"), "file"))
		ap->access = APERTURE_ACCESS_FILE;
	if (mount) {
		if (snprintf(ap->mount, sizeof(ap->mount), "%s", mount) >=
		    (int)sizeof(ap->mount)) {
			ret = -ENAMETOOLONG;
			goto err_free;
		}
	} else {
		ret = aperture_find_mount(ap->mount, sizeof(ap->mount));
		if (ret)
			goto err_free;
	}
	ret = aperture_resolve(ap->mount, dev, ap->slot, sizeof(ap->slot));
	if (ret)
		goto err_free;
	snprintf(path, sizeof(path), "%s/%s", ap->mount, ap->slot);
	if (stat(path, &st)) {
		ret = -errno;
		goto err_free;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = -ENOTDIR;
		goto err_free;
	}
	*out = ap;
	return 0;

err_free:
	free(ap);
	return ret;
}

void aperture_close(struct aperture *ap)
{
	if (!ap)
		return;
	for (int i = 0; i < APERTURE_NR_BARS; i++) {
		aperture_unmap(ap, i);
		apl_io_drop(&ap->bars[i]);
		if (ap->bars[i].fd >= 0)
			close(ap->bars[i].fd);
	}
	free(ap);
}

const char *aperture_slot(const struct aperture *ap)
{
	return ap->slot;
}

const char *aperture_mount(const struct aperture *ap)
{
	return ap->mount;
}

int apl_bar_get(struct aperture *ap, int bar, struct aperture_bar **out)
{
	char path[APERTURE_PATH_MAX + 64];
	struct aperture_bar *b;
	struct stat st;

	if (!ap || bar < 0 || bar >= APERTURE_NR_BARS)
		return -EINVAL;
	b = &ap->bars[bar];
	if (b->fd < 0) {
		snprintf(path, sizeof(path), "%s/%s/bar%d", ap->mount,
			 ap->slot, bar);
		b->fd = open(path, O_RDWR | O_CLOEXEC);
		b->wr_err = 0;
		if (b->fd < 0 && (errno == EACCES || errno == EPERM ||
				  errno == EROFS)) {
			b->wr_err = -errno;
			b->fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		if (b->fd < 0)
			return -errno;
		if (fstat(b->fd, &st)) {
			int ret = -errno;

			close(b->fd);
			b->fd = -1;
			return ret;
		}
		b->size = st.st_size;
		b->io_how = APL_IO_UNDECIDED;
	}
	*out = b;
	return 0;
}

int apl_access(const char *path, int mode)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	/* Bits no one has: root's access(2) would pass them. */
	if (((mode & R_OK) && !(st.st_mode & 0444)) ||
	    ((mode & W_OK) && !(st.st_mode & 0222)))
		return -EACCES;
	if (mode && access(path, mode))
		return -errno;
	return 0;
}

int aperture_bar_access(struct aperture *ap, int bar, int mode)
{
	char path[APERTURE_PATH_MAX + 64];

	if (!ap || bar < 0 || bar >= APERTURE_NR_BARS)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s/bar%d", ap->mount, ap->slot, bar);
	return apl_access(path, mode);
}

int aperture_bar_size(struct aperture *ap, int bar, uint64_t *size)
{
	char path[APERTURE_PATH_MAX + 64];
	struct stat st;

	if (!ap || bar < 0 || bar >= APERTURE_NR_BARS)
		return -EINVAL;
	if (ap->bars[bar].fd >= 0) {
		*size = ap->bars[bar].size;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s/bar%d", ap->mount, ap->slot, bar);
	if (stat(path, &st))
		return -errno;
	*size = st.st_size;
	return 0;
}

int aperture_info(struct aperture *ap, const char *key, char *buf,
		  size_t len)
{
	char path[APERTURE_PATH_MAX + 64], *text, *p;
	size_t klen = strlen(key), n = 0, cap = 65536;
	ssize_t r;
	int fd, ret = -ENOENT;

	snprintf(path, sizeof(path), "%s/%s/info", ap->mount, ap->slot);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	text = malloc(cap + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	while (n < cap && (r = read(fd, text + n, cap - n)) > 0)
		n += r;
	close(fd);
	text[n] = 0;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) || p[klen] != ':' ||
		    p[klen + 1] != ' ')
			continue;
		p += klen + 2;
		ret = snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p) <
				      (int)len ? 0 : -ENAMETOOLONG;
		break;
	}
	free(text);
	return ret;
}

unsigned int aperture_version(void)
{
	return APERTURE_LIB_VERSION;
}
