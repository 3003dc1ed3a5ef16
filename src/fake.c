// SPDX-License-Identifier: MIT
/*
 * fake.c - the fake machine's description (see backend_fake.c for the
 * format): parsing it into functions, with the config space it implies
 * (fake_func.c: the memory behind their BARs and libpci's view of them).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"

/* Where parsing is, for messages. */
struct ap_fake_ctx {
	const char *path;		/* the description */
	char *dir;			/* its folder, for relative names */
	unsigned int line;		/* current line */
	char *err;			/* message buffer */
	size_t errlen;			/* its size */
	uint64_t next_mem, next_io;	/* addresses handed out */
};

static int __attribute__((format(printf, 2, 3)))
ap_fake_err(struct ap_fake_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%u: %s", c->path, c->line, msg);
	return -EINVAL;
}

/* A hex number of at most @max: true if the whole word is one. */
static bool ap_fake_hex(const char *s, unsigned long long max,
			unsigned long long *out)
{
	char *end;

	if (!*s || strspn(s, "0123456789abcdefABCDEFx") != strlen(s))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 16);
	return !errno && !*end && *out <= max;
}

/* "4096", "4K", "1M", "2G": a power of two. */
static bool ap_fake_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	}
	if (*end || !v || (v & (v - 1)))
		return false;
	*out = v;
	return true;
}

/* An absolute name for @name, relative to the description's folder. */
static char *ap_fake_abs(struct ap_fake_ctx *c, const char *name)
{
	char *p;

	if (name[0] == '/')
		return strdup(name);
	if (asprintf(&p, "%s/%s", c->dir, name) < 0)
		return NULL;
	return p;
}

static void ap_put16(uint8_t *c, int off, uint16_t v)
{
	c[off] = v;
	c[off + 1] = v >> 8;
}

static void ap_put32(uint8_t *c, int off, uint32_t v)
{
	ap_put16(c, off, v);
	ap_put16(c, off + 2, v >> 16);
}

/* "function SLOT VVVV:DDDD key=value..." */
static int ap_fake_function(struct ap_fake_ctx *c, char **w, int nw,
			    struct ap_fake_func *f)
{
	unsigned int dom = 0, bus, dev, fn, ven, did;
	unsigned long long v;
	uint8_t *cfg = f->config;
	char tail;

	memset(f, 0, sizeof(*f));
	for (int b = 0; b < AP_NR_BARS; b++)
		f->bars[b].mem = -1;
	if (nw < 3)
		return ap_fake_err(c, "want: function SLOT VENDOR:DEVICE ...");
	if (sscanf(w[1], "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) != 4) {
		dom = 0;
		if (sscanf(w[1], "%x:%x.%x%c", &bus, &dev, &fn, &tail) != 3)
			return ap_fake_err(c, "bad slot '%s' (want "
					   "[dddd:]bb:dd.f)", w[1]);
	}
	if (dom > 0xfffff || bus > 0xff || dev > 0x1f || fn > 7)
		return ap_fake_err(c, "slot '%s' out of range", w[1]);
	if (sscanf(w[2], "%4x:%4x%c", &ven, &did, &tail) != 2)
		return ap_fake_err(c, "bad id '%s' (want vvvv:dddd)", w[2]);
	f->domain = dom;
	f->bus = bus;
	f->dev = dev;
	f->fn = fn;
	snprintf(f->slot, sizeof(f->slot), "%04x:%02x:%02x.%x", dom, bus, dev,
		 fn);
	ap_put16(cfg, 0x00, ven);
	ap_put16(cfg, 0x02, did);
	ap_put16(cfg, 0x04, 0x0007);	/* command: I/O, memory, master */
	f->own.dma_bits = 32;		/* the kernel's default mask */
	f->own.next_dma = 0x100000;	/* made-up bus addresses */
	for (int i = 3; i < nw; i++) {
		char *val = strchr(w[i], '=');

		if (!val)
			return ap_fake_err(c, "'%s': want key=value", w[i]);
		*val++ = 0;
		if (!strcmp(w[i], "class") && ap_fake_hex(val, 0xffff, &v)) {
			ap_put16(cfg, 0x0a, v);
		} else if (!strcmp(w[i], "progif") &&
			   ap_fake_hex(val, 0xff, &v)) {
			cfg[0x09] = v;
		} else if (!strcmp(w[i], "rev") && ap_fake_hex(val, 0xff, &v)) {
			cfg[0x08] = v;
		} else if (!strcmp(w[i], "subsystem") &&
			   sscanf(val, "%4x:%4x%c", &ven, &did, &tail) == 2) {
			ap_put16(cfg, 0x2c, ven);
			ap_put16(cfg, 0x2e, did);
		} else if (!strcmp(w[i], "msi") && *val &&
			   strspn(val, "0123456789") == strlen(val) &&
			   strtoul(val, NULL, 10) <= 32) {
			f->own.msi_max = strtoul(val, NULL, 10);
		} else if (!strcmp(w[i], "msix") && *val &&
			   strspn(val, "0123456789") == strlen(val) &&
			   strtoul(val, NULL, 10) <= 2048) {
			f->own.msix_max = strtoul(val, NULL, 10);
		} else if (!strcmp(w[i], "driver") &&
			   strlen(val) < sizeof(f->driver)) {
			strcpy(f->driver, val);
		} else {
			return ap_fake_err(c, "bad %s=%s", w[i], val);
		}
	}
	return 0;
}

/* Align @x up to @a (a power of two). */
static uint64_t ap_align(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* "barN mem|mem64|io [prefetch] SIZE [addr=HEX] [file=PATH]" */
static int ap_fake_bar(struct ap_fake_ctx *c, char **w, int nw,
		       struct ap_fake_func *f)
{
	unsigned long long addr = 0;
	struct ap_fake_bar *b;
	bool have_addr = false;
	uint32_t reg;
	int i = w[0][3] - '0';

	if (strlen(w[0]) != 4 || i < 0 || i >= AP_NR_BARS)
		return ap_fake_err(c, "'%s': want bar0..bar5", w[0]);
	b = &f->bars[i];
	if (b->size || (i > 0 && (f->bars[i - 1].flags & APERTURE_IO_BAR_64)))
		return ap_fake_err(c, "%s is taken", w[0]);
	for (int k = 1; k < nw; k++) {
		if (!strcmp(w[k], "mem"))
			b->flags |= APERTURE_IO_BAR_MEM;
		else if (!strcmp(w[k], "mem64"))
			b->flags |= APERTURE_IO_BAR_MEM | APERTURE_IO_BAR_64;
		else if (!strcmp(w[k], "io"))
			b->flags |= APERTURE_IO_BAR_IO;
		else if (!strcmp(w[k], "prefetch"))
			b->flags |= APERTURE_IO_BAR_PREFETCH;
		else if (!strncmp(w[k], "addr=", 5) &&
			 ap_fake_hex(w[k] + 5, ~0ull, &addr))
			have_addr = true;
		else if (!strncmp(w[k], "file=", 5) && w[k][5] && !b->file) {
			b->file = ap_fake_abs(c, w[k] + 5);
			if (!b->file)
				return -ENOMEM;
		} else if (!ap_fake_size(w[k], &b->size))
			return ap_fake_err(c, "'%s': want mem, mem64, io, "
					   "prefetch, a size (power of two, "
					   "K/M/G), addr= or file=", w[k]);
	}
	if (!(b->flags & (APERTURE_IO_BAR_MEM | APERTURE_IO_BAR_IO)) ||
	    ((b->flags & APERTURE_IO_BAR_IO) &&
	     (b->flags & ~APERTURE_IO_BAR_IO)))
		return ap_fake_err(c, "%s: one of mem, mem64 or io (io takes "
				   "no prefetch)", w[0]);
	if (!b->size)
		return ap_fake_err(c, "%s: no size", w[0]);
	if ((b->flags & APERTURE_IO_BAR_64) && i == AP_NR_BARS - 1)
		return ap_fake_err(c, "bar5 cannot be 64-bit");
	if ((b->flags & APERTURE_IO_BAR_IO) && b->size > 0x10000)
		return ap_fake_err(c, "%s: I/O BARs are at most 64K", w[0]);
	if (!have_addr) {
		uint64_t *next = b->flags & APERTURE_IO_BAR_IO ? &c->next_io :
								 &c->next_mem;

		addr = ap_align(*next, b->size);
		*next = addr + b->size;
	}
	if (addr & (b->size - 1))
		return ap_fake_err(c, "%s: addr=%llx is not aligned to its size",
				   w[0], addr);
	b->addr = addr;
	if (b->flags & APERTURE_IO_BAR_IO) {
		reg = (addr & ~3u) | 1;
	} else {
		reg = addr & ~0xfu;
		if (b->flags & APERTURE_IO_BAR_64) {
			reg |= 4;
			ap_put32(f->config, 0x14 + 4 * i, addr >> 32);
		} else if (addr >> 32) {
			return ap_fake_err(c, "%s: addr above 4G needs mem64",
					   w[0]);
		}
		if (b->flags & APERTURE_IO_BAR_PREFETCH)
			reg |= 8;
	}
	ap_put32(f->config, 0x10 + 4 * i, reg);
	return 0;
}

static int ap_fake_add(struct ap_fake_ctx *c, struct ap_fake_machine *m)
{
	struct ap_fake_func *tmp;

	tmp = realloc(m->funcs, (m->n + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	m->funcs = tmp;
	m->n++;
	return 0;
}

/* One line, split into words in place. */
static int ap_fake_line(struct ap_fake_ctx *c, char *line,
			struct ap_fake_machine *m)
{
	char *w[16], *save = NULL;
	int nw = 0, ret;

	line[strcspn(line, "#\n")] = 0;
	for (char *t = strtok_r(line, " \t\r", &save); t;
	     t = strtok_r(NULL, " \t\r", &save)) {
		if (nw == 16)
			return ap_fake_err(c, "too many words");
		w[nw++] = t;
	}
	if (!nw)
		return 0;
	if (!strcmp(w[0], "function")) {
		ret = ap_fake_add(c, m);
		if (ret < 0)
			return ret;
		ret = ap_fake_function(c, w, nw, &m->funcs[m->n - 1]);
		if (ret < 0) {
			m->n--;
			return ret;
		}
		for (size_t i = 0; i + 1 < m->n; i++)
			if (!strcmp(m->funcs[i].slot, m->funcs[m->n - 1].slot))
				return ap_fake_err(c, "%s twice", w[1]);
		return 0;
	}
	if (!strncmp(w[0], "bar", 3)) {
		if (!m->n)
			return ap_fake_err(c, "%s before any function", w[0]);
		return ap_fake_bar(c, w, nw, &m->funcs[m->n - 1]);
	}
	if (!strcmp(w[0], "ids") && nw == 2 && !m->ids) {
		m->ids = ap_fake_abs(c, w[1]);
		if (!m->ids)
			return -ENOMEM;
		if (access(m->ids, R_OK))
			return ap_fake_err(c, "ids %s: %s", m->ids,
					   strerror(errno));
		return 0;
	}
	return ap_fake_err(c, "unknown '%s' (want function, barN or ids)",
			   w[0]);
}

int ap_fake_parse(const char *path, struct ap_fake_machine *m, char *err,
		  size_t errlen)
{
	struct ap_fake_ctx c = {
		.path = path, .err = err, .errlen = errlen,
		.next_mem = 0xe0000000, .next_io = 0xc000,
	};
	char *line = NULL, *copy;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	memset(m, 0, sizeof(*m));
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	copy = strdup(path);
	c.dir = copy ? dirname(copy) : NULL;
	if (!c.dir)
		ret = -ENOMEM;
	while (!ret && getline(&line, &cap, f) >= 0) {
		c.line++;
		ret = ap_fake_line(&c, line, m);
	}
	free(line);
	free(copy);
	fclose(f);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	if (ret < 0)
		ap_fake_machine_free(m);
	return ret;
}

void ap_fake_machine_free(struct ap_fake_machine *m)
{
	for (size_t i = 0; i < m->n; i++) {
		for (int b = 0; b < AP_NR_BARS; b++) {
			free(m->funcs[i].bars[b].file);
			if (m->funcs[i].bars[b].mem >= 0)
				close(m->funcs[i].bars[b].mem);
		}
	}
	free(m->funcs);
	free(m->ids);
	memset(m, 0, sizeof(*m));
}
