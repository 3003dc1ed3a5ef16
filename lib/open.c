// SPDX-License-Identifier: MIT
/*
 * open.c - finding the mount, naming a function, its BAR files and info.
 *
 * A function is named as lspci names it (slot, or vendor:device resolved
 * through the mount's by-id/ links); nothing here talks to libpci or the
 * module: the daemon has already done that for the mount.
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

/*
 * A slot "bb:dd.f" or "dddd:bb:dd.f" in canonical form, or -EINVAL.
 * Exact field widths, as lspci prints them: 00:04.0, 0000:00:04.0,
 * 10000:01:00.0.
 */
static int aperture_parse_slot(const char *dev, char *slot, size_t len)
{
	unsigned int dom = 0, bus, d, fn;
	const char *p = dev;
	char end;

	/* A domain of 4 or 5 digits (VMD and Hyper-V have 5). */
	for (size_t n = 4; n <= 5; n++) {
		if (aperture_is_hex(p, n) && p[n] == ':' &&
		    strchr(p + n + 1, ':')) {
			sscanf(p, n == 4 ? "%4x" : "%5x", &dom);
			p += n + 1;
			break;
		}
	}
	if (!aperture_is_hex(p, 2) || p[2] != ':' ||
	    !aperture_is_hex(p + 3, 2) || p[5] != '.' ||
	    !aperture_is_hex(p + 6, 1) || p[7])
		return -EINVAL;
	if (sscanf(p, "%2x:%2x.%1x%c", &bus, &d, &fn, &end) != 3 || d > 0x1f ||
	    fn > 7)
		return -EINVAL;
	snprintf(slot, len, "%04x:%02x:%02x.%x", dom, bus, d, fn);
	return 0;
}

/* "vvvv:dddd" or "vvvv:dddd-N" to the slot by-id/ points at. */
static int aperture_resolve_id(const char *mount, const char *dev,
			       char *slot, size_t len)
{
	char path[APERTURE_PATH_MAX + 64], target[APERTURE_PATH_MAX], id[32];
	unsigned int ven, did, n = 1;
	const char *base;
	ssize_t r;

	if (!aperture_is_hex(dev, 4) || dev[4] != ':' ||
	    !aperture_is_hex(dev + 5, 4))
		return -EINVAL;
	if (dev[9] == '-') {
		char *end;

		errno = 0;
		n = strtoul(dev + 10, &end, 10);
		if (!isdigit((unsigned char)dev[10]) || *end || errno || !n)
			return -EINVAL;
	} else if (dev[9]) {
		return -EINVAL;
	}
	sscanf(dev, "%4x:%4x", &ven, &did);
	if (n == 1)
		snprintf(id, sizeof(id), "%04x:%04x", ven, did);
	else
		snprintf(id, sizeof(id), "%04x:%04x-%u", ven, did, n);
	if (snprintf(path, sizeof(path), "%s/by-id/%s", mount, id) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	r = readlink(path, target, sizeof(target) - 1);
	if (r < 0)
		return -errno;
	target[r] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	return aperture_parse_slot(base, slot, len);
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
	if (strchr(dev, '.'))
		ret = aperture_parse_slot(dev, ap->slot, sizeof(ap->slot));
	else
		ret = aperture_resolve_id(ap->mount, dev, ap->slot,
					  sizeof(ap->slot));
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
	}
	*out = b;
	return 0;
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

const char *aperture_errno_name(int err)
{
	return strerrorname_np(err < 0 ? -err : err);
}
