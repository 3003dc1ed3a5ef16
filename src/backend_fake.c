// SPDX-License-Identifier: MIT
/*
 * backend_fake.c - a fake machine: PCI functions described by a text file,
 * each BAR backed by an ordinary file or by anonymous memory (memfd).  It
 * needs no module, no root and no PCI device, so the daemon's FUSE layer
 * can be tested anywhere, and a user's CI can run scripts against it.
 *
 * The description, one item per line ('#' starts a comment):
 *
 *   ids FILE                 optional: a pci.ids file for names
 *   function SLOT VVVV:DDDD [class=CCCC] [progif=PP] [rev=RR]
 *                           [subsystem=VVVV:DDDD] [driver=NAME]
 *                           [msi=N] [msix=N]
 *   barN mem|mem64|io [prefetch] SIZE [addr=HEX] [file=PATH]
 *
 * SLOT is lspci's "[dddd:]bb:dd.f", SIZE a power of two with an optional
 * K, M or G.  bar lines belong to the function above them; without file=
 * a BAR is zeroed memory that lives as long as its function does; a file
 * (relative to the description's folder) is made or extended to SIZE.
 *
 * Names, classes and BAR properties come from libpci itself: every scan
 * writes the functions' config space in `lspci -x` form and reads it back
 * through libpci's dump method, so a fake function is named, filtered and
 * described by the very code that handles real ones.
 *
 * A function with driver=aperture_io is owned: it has DMA buffers and
 * interrupts (INTx, msi=N and msix=N vectors), fake_own.c says how a test
 * raises them.
 *
 * Hot-plug: the description is re-read at every scan, and event_fd() is an
 * inotify descriptor on its folder, so editing the file adds and removes
 * functions.  A function whose line is unchanged keeps its memory; one that
 * goes away makes its open descriptors answer -ENODEV.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"
#include "fake.h"

struct ap_fake_be {
	struct ap_backend be;		/* first: the common part */
	pthread_mutex_t lock;		/* protects everything below */
	char *path;			/* the description */
	struct ap_fake_machine m;	/* as last read */
	struct ap_fake_open *opens;	/* open BAR descriptors */
	size_t nopens, capopens;	/* in use, allocated */
	unsigned int gen;		/* generations handed out so far */
	int inotify;			/* on the description's folder */
};

/* One open BAR descriptor: which function generation it belongs to. */
struct ap_fake_open {
	int fd;				/* the caller's descriptor */
	unsigned int gen;		/* its function's generation */
};

static struct ap_fake_be *ap_fb(struct ap_backend *be)
{
	return (struct ap_fake_be *)be;
}

/* The function in the current machine with @slot, or NULL. */
static struct ap_fake_func *ap_fb_find(struct ap_fake_be *fb,
				       const char *slot)
{
	for (size_t i = 0; i < fb->m.n; i++)
		if (!strcmp(fb->m.funcs[i].slot, slot))
			return &fb->m.funcs[i];
	return NULL;
}

static bool ap_fb_gen_alive(struct ap_fake_be *fb, unsigned int gen)
{
	for (size_t i = 0; i < fb->m.n; i++)
		if (fb->m.funcs[i].gen == gen)
			return true;
	return false;
}

/*
 * Re-read the description: functions whose definition did not change keep
 * their generation and memory, others get new ones.  Called locked.
 */
static int ap_fb_reload(struct ap_fake_be *fb, char *err, size_t errlen)
{
	struct ap_fake_machine m;
	int ret;

	ret = ap_fake_parse(fb->path, &m, err, errlen);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < m.n; i++) {
		struct ap_fake_func *nf = &m.funcs[i];
		struct ap_fake_func *old = ap_fb_find(fb, nf->slot);

		if (old && ap_fake_func_same(old, nf)) {
			ap_fake_func_take_memory(nf, old);
			nf->gen = old->gen;
			continue;
		}
		nf->gen = ++fb->gen;
		ret = ap_fake_func_back(nf, err, errlen);
		if (ret < 0) {
			ap_fake_machine_free(&m);
			return ret;
		}
	}
	ap_fake_machine_free(&fb->m);
	fb->m = m;
	return 0;
}

static ssize_t ap_fb_scan(struct ap_backend *be,
			  const struct ap_filter_list *filters,
			  struct ap_func **out)
{
	struct ap_fake_be *fb = ap_fb(be);
	char err[256];
	ssize_t ret;

	pthread_mutex_lock(&fb->lock);
	ret = ap_fb_reload(fb, err, sizeof(err));
	if (!ret)
		ret = ap_fake_funcs(&fb->m, filters, out);
	pthread_mutex_unlock(&fb->lock);
	return ret;
}

static int ap_fb_bar(struct ap_backend *be, const struct ap_func *f, int bar,
		     uint32_t flags, bool open, struct aperture_io_bar *out)
{
	struct ap_fake_be *fb = ap_fb(be);
	struct ap_fake_open *tmp;
	struct ap_fake_func *ff;
	int ret = 0, fd;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	pthread_mutex_lock(&fb->lock);
	ff = ap_fb_find(fb, f->slot);
	if (!ff || bar < 0 || bar >= AP_NR_BARS || !ff->bars[bar].size) {
		ret = -ENODEV;
		goto out_unlock;
	}
	ap_fake_bar_desc(ff, bar, flags, out);
	if (!open)
		goto out_unlock;
	if (fb->nopens == fb->capopens) {
		size_t cap = fb->capopens ? 2 * fb->capopens : 16;

		tmp = realloc(fb->opens, cap * sizeof(*tmp));
		if (!tmp) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		fb->opens = tmp;
		fb->capopens = cap;
	}
	fd = ap_fake_bar_open(ff, bar, flags);
	if (fd < 0) {
		ret = fd;
		goto out_unlock;
	}
	/* A number seen before was closed since: reuse its entry, so the
	 * table never outgrows the descriptor numbers in use. */
	for (i = 0; i < fb->nopens && fb->opens[i].fd != fd; i++)
		;
	if (i == fb->nopens)
		fb->nopens++;
	fb->opens[i].fd = fd;
	fb->opens[i].gen = ff->gen;
	out->fd = fd;
out_unlock:
	pthread_mutex_unlock(&fb->lock);
	return ret;
}

/* Is @fd still a descriptor of a function that exists? */
static bool ap_fb_fd_alive(struct ap_fake_be *fb, int fd)
{
	bool alive = true;

	pthread_mutex_lock(&fb->lock);
	for (size_t i = 0; i < fb->nopens; i++) {
		if (fb->opens[i].fd == fd) {
			alive = ap_fb_gen_alive(fb, fb->opens[i].gen);
			break;
		}
	}
	pthread_mutex_unlock(&fb->lock);
	return alive;
}

static ssize_t ap_fb_pread(struct ap_backend *be, int fd, void *buf,
			   size_t len, uint64_t off)
{
	ssize_t n;

	if (!ap_fb_fd_alive(ap_fb(be), fd))
		return -ENODEV;
	n = pread(fd, buf, len, off);
	return n < 0 ? -errno : n;
}

static ssize_t ap_fb_pwrite(struct ap_backend *be, int fd, const void *buf,
			    size_t len, uint64_t off)
{
	ssize_t n;

	if (!ap_fb_fd_alive(ap_fb(be), fd))
		return -ENODEV;
	n = pwrite(fd, buf, len, off);
	return n < 0 ? -errno : n;
}

static ssize_t ap_fb_config_size(struct ap_backend *be,
				 const struct ap_func *f)
{
	struct ap_fake_be *fb = ap_fb(be);
	ssize_t ret;

	pthread_mutex_lock(&fb->lock);
	ret = ap_fb_find(fb, f->slot) ? AP_FAKE_CONFIG_SIZE : -ENODEV;
	pthread_mutex_unlock(&fb->lock);
	return ret;
}

static ssize_t ap_fb_config_read(struct ap_backend *be,
				 const struct ap_func *f, void *buf,
				 size_t len, uint64_t off)
{
	struct ap_fake_be *fb = ap_fb(be);
	struct ap_fake_func *ff;
	ssize_t ret = 0;

	pthread_mutex_lock(&fb->lock);
	ff = ap_fb_find(fb, f->slot);
	if (!ff) {
		ret = -ENODEV;
	} else if (off < AP_FAKE_CONFIG_SIZE) {
		ret = len < AP_FAKE_CONFIG_SIZE - off ?
			      len : AP_FAKE_CONFIG_SIZE - off;
		memcpy(buf, ff->config + off, ret);
	}
	pthread_mutex_unlock(&fb->lock);
	return ret;
}

static int ap_fb_driver(struct ap_backend *be, const struct ap_func *f,
			char *buf, size_t len)
{
	struct ap_fake_be *fb = ap_fb(be);
	struct ap_fake_func *ff;
	int ret = 0;

	pthread_mutex_lock(&fb->lock);
	ff = ap_fb_find(fb, f->slot);
	if (ff)
		snprintf(buf, len, "%s", ff->driver);
	else
		ret = -ENODEV;
	pthread_mutex_unlock(&fb->lock);
	return ret;
}

static int ap_fb_own(struct ap_backend *be, const struct ap_func *f,
		     unsigned long cmd, void *arg)
{
	struct ap_fake_be *fb = ap_fb(be);
	struct ap_fake_func *ff;
	char *dir, *slash;
	int ret = -ENODEV;

	dir = strdup(fb->path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	*slash = 0;
	pthread_mutex_lock(&fb->lock);
	ff = ap_fb_find(fb, f->slot);
	if (ff)
		ret = ap_fake_own_call(ff, dir, cmd, arg);
	pthread_mutex_unlock(&fb->lock);
	free(dir);
	return ret;
}

static int ap_fb_irq_read(struct ap_backend *be, int fd, uint64_t *count)
{
	return ap_fake_irq_read(fd, count);
}

static int ap_fb_irq_write(struct ap_backend *be, int fd, uint64_t value)
{
	return ap_fake_irq_write(fd, value);
}

static int ap_fb_event_fd(struct ap_backend *be)
{
	return ap_fb(be)->inotify;
}

/* Events in the folder: only those naming the description count. */
static int ap_fb_event(struct ap_backend *be)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct ap_fake_be *fb = ap_fb(be);
	const char *base = strrchr(fb->path, '/') + 1;
	const struct inotify_event *ev;
	int due = 0;
	ssize_t n;

	while ((n = read(fb->inotify, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if ((ev->mask & IN_Q_OVERFLOW) ||
			    (ev->len && !strcmp(ev->name, base)))
				due = 1;
		}
	}
	return due;
}

static void ap_fb_free(struct ap_backend *be)
{
	struct ap_fake_be *fb = ap_fb(be);

	ap_fake_machine_free(&fb->m);
	if (fb->inotify >= 0)
		close(fb->inotify);
	free(fb->opens);
	free(fb->path);
	pthread_mutex_destroy(&fb->lock);
	free(fb);
}

static const struct ap_backend_ops ap_fake_ops;

struct ap_backend *ap_backend_fake(const char *path, char *err,
				   size_t errlen)
{
	struct ap_fake_be *fb;
	char *dir;
	int ret;

	fb = calloc(1, sizeof(*fb));
	if (!fb) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fb->be.ops = &ap_fake_ops;
	pthread_mutex_init(&fb->lock, NULL);
	fb->inotify = -1;
	fb->path = realpath(path, NULL);
	if (!fb->path) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto err_free;
	}
	ret = ap_fb_reload(fb, err, errlen);
	if (ret < 0)
		goto err_free;
	/* Watch the folder: editors replace files by renaming. */
	fb->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	dir = strdup(fb->path);
	if (fb->inotify >= 0 && dir)
		inotify_add_watch(fb->inotify, dirname(dir),
				  IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE);
	free(dir);
	return &fb->be;

err_free:
	ap_fb_free(&fb->be);
	errno = -ret;
	return NULL;
}

static const struct ap_backend_ops ap_fake_ops = {
	.name = "fake",
	.rw_passthrough = false,
	.scan = ap_fb_scan,
	.bar = ap_fb_bar,
	.pread = ap_fb_pread,
	.pwrite = ap_fb_pwrite,
	.config_size = ap_fb_config_size,
	.config_read = ap_fb_config_read,
	.driver = ap_fb_driver,
	.own = ap_fb_own,
	.irq_read = ap_fb_irq_read,
	.irq_write = ap_fb_irq_write,
	.event_fd = ap_fb_event_fd,
	.event = ap_fb_event,
	.free = ap_fb_free,
};
