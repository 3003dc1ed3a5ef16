// SPDX-License-Identifier: MIT
/*
 * pci.c - discovery of PCI functions and their BARs through libpci.
 *
 * Each ap_pci_scan() lists the sysfs devices directory again, so that
 * hot-plug is seen, and fills each function on its own; the name list
 * (pci.ids) is loaded once and kept.
 *
 * Caveat: libpci reports fatal errors through a->error(), which must not
 * return (the default one exits).  Ours records the message and longjmp()s
 * back to the ap_pci call that was running; calls are serialised by a
 * mutex, so one jump buffer per handle is enough.  Nothing libpci
 * allocated in the aborted call is leaked beyond what pci_cleanup() frees.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "aperture.h"

struct ap_pci {
	pthread_mutex_t lock;		/* serialises every call on @acc */
	struct pci_access *acc;		/* libpci's handle */
	jmp_buf jump;			/* where acc->error() returns to */
	char error[256];		/* libpci's last fatal message */
	bool is_dump;			/* dump method: the device list is
					 * read once, at pci_init() */
};

/* The handle whose call is running (under its lock), for the hooks. */
static __thread struct ap_pci *ap_pci_current;

static void __attribute__((noreturn)) ap_pci_error_hook(char *msg, ...)
{
	struct ap_pci *pci = ap_pci_current;
	va_list ap;

	va_start(ap, msg);
	vsnprintf(pci->error, sizeof(pci->error), msg, ap);
	va_end(ap);
	longjmp(pci->jump, 1);
}

static void ap_pci_quiet_hook(char *msg, ...)
{
	/* Warnings and debug output: the library never prints. */
}

/* Map libpci's fatal message to an errno (libpci gives only text). */
static int ap_pci_errno(const char *msg)
{
	if (strstr(msg, "No such file") || strstr(msg, "Cannot open"))
		return -ENOENT;
	if (strstr(msg, "ermission"))
		return -EACCES;
	if (strstr(msg, "No access method"))
		return -ENODEV;
	return -EIO;
}

/*
 * Run @fn(@pci, @arg) with libpci's fatal errors turned into a return:
 * 0, or -errno with the message in pci->error.  @fn keeps its state in
 * @arg (memory), never in locals that a longjmp() would lose.
 */
static int ap_pci_guard(struct ap_pci *pci,
			void (*fn)(struct ap_pci *pci, void *arg), void *arg)
{
	ap_pci_current = pci;
	pci->error[0] = 0;
	if (setjmp(pci->jump))
		return ap_pci_errno(pci->error);
	fn(pci, arg);
	return 0;
}

static void ap_pci_do_init(struct ap_pci *pci, void *arg)
{
	pci_init(pci->acc);
}

static void ap_pci_do_cleanup(struct ap_pci *pci, void *arg)
{
	pci_cleanup(pci->acc);
}

struct ap_pci *ap_pci_open(const struct ap_pci_config *cfg)
{
	struct ap_pci *pci;
	int err;

	pci = calloc(1, sizeof(*pci));
	if (!pci)
		return NULL;
	pthread_mutex_init(&pci->lock, NULL);
	pci->acc = pci_alloc();
	if (!pci->acc) {
		err = ENOMEM;
		goto err_free;
	}
	pci->acc->error = ap_pci_error_hook;
	pci->acc->warning = ap_pci_quiet_hook;
	pci->acc->debug = ap_pci_quiet_hook;
	pci->acc->numeric_ids = cfg && cfg->numeric;
	if (cfg && cfg->dump_file) {
		pci->acc->method = PCI_ACCESS_DUMP;
		pci->is_dump = true;
		if (pci_set_param(pci->acc, "dump.name",
				  (char *)cfg->dump_file)) {
			err = EINVAL;
			goto err_cleanup;
		}
	} else {
		/* Only Linux sysfs: never raw port access as a fallback. */
		pci->acc->method = PCI_ACCESS_SYS_BUS_PCI;
	}
	if (cfg && cfg->sysfs_path &&
	    pci_set_param(pci->acc, "sysfs.path", (char *)cfg->sysfs_path)) {
		err = EINVAL;
		goto err_cleanup;
	}
	if (cfg && cfg->ids_file)
		pci_set_name_list_path(pci->acc, strdup(cfg->ids_file), 1);

	err = -ap_pci_guard(pci, ap_pci_do_init, NULL);
	if (err)
		goto err_cleanup;
	return pci;

err_cleanup:
	ap_pci_guard(pci, ap_pci_do_cleanup, NULL);
err_free:
	pthread_mutex_destroy(&pci->lock);
	free(pci);
	errno = err;
	return NULL;
}

void ap_pci_close(struct ap_pci *pci)
{
	if (!pci)
		return;
	ap_pci_guard(pci, ap_pci_do_cleanup, NULL);
	pthread_mutex_destroy(&pci->lock);
	free(pci);
}

const char *ap_pci_error(struct ap_pci *pci)
{
	return pci->error;
}

bool ap_func_has_bar(const struct ap_func *f, int i)
{
	return i >= 0 && i < AP_NR_BARS &&
	       (f->bars[i].size || f->bars[i].start);
}

bool ap_func_has_bars(const struct ap_func *f)
{
	for (int i = 0; i < AP_NR_BARS; i++)
		if (ap_func_has_bar(f, i))
			return true;
	return false;
}

/* Copy BAR @i of @d (libpci's base/size/flags) into @bar. */
static void ap_pci_fill_bar(struct pci_dev *d, int i, struct ap_bar *bar)
{
	pciaddr_t base = d->base_addr[i];

	memset(bar, 0, sizeof(*bar));
	bar->size = d->size[i];
	if (!base && !bar->size)
		return;
	if (base & PCI_BASE_ADDRESS_SPACE_IO) {
		bar->flags = APERTURE_IO_BAR_IO;
		bar->start = base & PCI_ADDR_IO_MASK;
		return;
	}
	bar->flags = APERTURE_IO_BAR_MEM;
	bar->start = base & PCI_ADDR_MEM_MASK;
	if ((base & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
	    PCI_BASE_ADDRESS_MEM_TYPE_64)
		bar->flags |= APERTURE_IO_BAR_64;
	if (base & PCI_BASE_ADDRESS_MEM_PREFETCH)
		bar->flags |= APERTURE_IO_BAR_PREFETCH;
}

/* lspci -nn's line: class and names with their numbers (MIXED). */
static void ap_pci_describe(struct pci_access *a, struct ap_func *f)
{
	char cls[AP_NAME_LEN], name[2 * AP_NAME_LEN];
	int mixed = a->numeric_ids ? PCI_LOOKUP_NUMERIC : PCI_LOOKUP_MIXED;
	int n;

	pci_lookup_name(a, cls, sizeof(cls), PCI_LOOKUP_CLASS | mixed,
			f->class_id);
	pci_lookup_name(a, name, sizeof(name),
			PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | mixed,
			f->vendor_id, f->device_id);
	n = snprintf(f->description, sizeof(f->description), "%s: %s", cls,
		     name);
	if (f->rev_id && n >= 0 && (size_t)n < sizeof(f->description))
		snprintf(f->description + n, sizeof(f->description) - n,
			 " (rev %02x)", f->rev_id);
}

/* Fill @f from libpci's @d: identity, names and BARs. */
static void ap_pci_fill_func(struct pci_access *a, struct pci_dev *d,
			     struct ap_func *f)
{
	int mixed = a->numeric_ids ? PCI_LOOKUP_NUMERIC : PCI_LOOKUP_MIXED;
	int nbars = 6;
	char *drv;

	memset(f, 0, sizeof(*f));
	pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_BASES | PCI_FILL_SIZES |
				 PCI_FILL_CLASS | PCI_FILL_CLASS_EXT |
				 PCI_FILL_SUBSYS | PCI_FILL_DRIVER);
	f->domain = d->domain;
	f->bus = d->bus;
	f->dev = d->dev;
	f->func = d->func;
	f->vendor_id = d->vendor_id;
	f->device_id = d->device_id;
	f->class_id = d->device_class;
	f->prog_if = d->prog_if;
	f->rev_id = d->rev_id;
	f->subsys_vendor_id = d->subsys_vendor_id;
	f->subsys_id = d->subsys_id;
	snprintf(f->slot, sizeof(f->slot), "%04x:%02x:%02x.%x", f->domain,
		 f->bus, f->dev, f->func);

	pci_lookup_name(a, f->name, sizeof(f->name),
			PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE, f->vendor_id,
			f->device_id);
	/* lspci -nn's wording: "Red Hat, Inc. [1af4]", "Vendor [1234]". */
	pci_lookup_name(a, f->vendor_name, sizeof(f->vendor_name),
			PCI_LOOKUP_VENDOR | mixed, f->vendor_id);
	pci_lookup_name(a, f->device_name, sizeof(f->device_name),
			PCI_LOOKUP_DEVICE | mixed, f->vendor_id, f->device_id);
	pci_lookup_name(a, f->class_name, sizeof(f->class_name),
			PCI_LOOKUP_CLASS | mixed, f->class_id);
	if (f->subsys_vendor_id && f->subsys_vendor_id != 0xffff)
		pci_lookup_name(a, f->subsys_name, sizeof(f->subsys_name),
				PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_VENDOR |
					PCI_LOOKUP_DEVICE | mixed,
				f->vendor_id, f->device_id,
				f->subsys_vendor_id, f->subsys_id);
	ap_pci_describe(a, f);
	drv = pci_get_string_property(d, PCI_FILL_DRIVER);
	if (drv)
		snprintf(f->driver, sizeof(f->driver), "%s", drv);

	/* Bridges have two BARs, CardBus bridges one (lspci does the same). */
	switch (d->hdrtype >= 0 ? d->hdrtype :
				  (pci_read_byte(d, PCI_HEADER_TYPE) & 0x7f)) {
	case PCI_HEADER_TYPE_BRIDGE:
		nbars = 2;
		break;
	case PCI_HEADER_TYPE_CARDBUS:
		nbars = 1;
		break;
	}
	for (int i = 0; i < nbars; i++)
		ap_pci_fill_bar(d, i, &f->bars[i]);
}

static int ap_func_cmp(const void *a, const void *b)
{
	const struct ap_func *x = a, *y = b;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus - y->bus;
	if (x->dev != y->dev)
		return x->dev - y->dev;
	return x->func - y->func;
}

/* State of one scan, kept in memory across a possible longjmp(). */
struct ap_pci_scan_state {
	const struct ap_filter_list *filters;	/* in: NULL = all */
	struct pci_dev *dev;			/* in: the device to fill */
	struct ap_func *funcs;			/* out: results */
	size_t n;				/* out: results in use */
	size_t cap;				/* results allocated */
	int err;				/* out: -ENOMEM or 0 */
};

/*
 * Fill the next result from s->dev.  A libpci error in here (a file of a
 * function that vanished mid-scan) jumps out before s->n grows: the
 * function is skipped.
 */
static void ap_pci_do_fill(struct ap_pci *pci, void *arg)
{
	struct ap_pci_scan_state *s = arg;
	struct ap_func *tmp;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;

		tmp = realloc(s->funcs, cap * sizeof(*tmp));
		if (!tmp) {
			s->err = -ENOMEM;
			return;
		}
		s->funcs = tmp;
		s->cap = cap;
	}
	ap_pci_fill_func(pci->acc, s->dev, &s->funcs[s->n]);
	if (!ap_func_has_bars(&s->funcs[s->n]))
		return;
	if (s->filters && !ap_filter_match(s->filters, &s->funcs[s->n]))
		return;
	s->n++;
}

/* The dump method: libpci's own list, read once at pci_init(). */
static int ap_pci_scan_dump(struct ap_pci *pci, struct ap_pci_scan_state *s)
{
	int ret = 0;

	for (s->dev = pci->acc->devices; s->dev && !ret && !s->err;
	     s->dev = s->dev->next)
		ret = ap_pci_guard(pci, ap_pci_do_fill, s);
	return ret ? ret : s->err;
}

/*
 * sysfs: one libpci device per directory entry, filled on its own, so
 * that a function whose directory vanishes during the scan is skipped
 * (libpci's own pci_scan_bus() would abort the whole scan through its
 * error hook there).
 */
static int ap_pci_scan_sysfs(struct ap_pci *pci, struct ap_pci_scan_state *s)
{
	unsigned int dom, bus, dev, fn;
	char path[PATH_MAX], tail;
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/devices",
		 pci_get_param(pci->acc, "sysfs.path"));
	dir = opendir(path);
	if (!dir) {
		int err = errno;

		snprintf(pci->error, sizeof(pci->error), "Cannot open %.200s: "
			 "%s", path, strerror(err));
		return -err;
	}
	while (!s->err && (de = readdir(dir))) {
		if (sscanf(de->d_name, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn,
			   &tail) != 4)
			continue;
		s->dev = pci_get_dev(pci->acc, dom, bus, dev, fn);
		if (!s->dev) {
			s->err = -ENOMEM;
			break;
		}
		ap_pci_guard(pci, ap_pci_do_fill, s);
		pci_free_dev(s->dev);
	}
	closedir(dir);
	return s->err;
}

ssize_t ap_pci_scan(struct ap_pci *pci, const struct ap_filter_list *filters,
		    struct ap_func **out)
{
	struct ap_pci_scan_state s = { .filters = filters };
	int ret;

	pthread_mutex_lock(&pci->lock);
	pci->error[0] = 0;
	if (pci->is_dump)
		ret = ap_pci_scan_dump(pci, &s);
	else
		ret = ap_pci_scan_sysfs(pci, &s);
	pthread_mutex_unlock(&pci->lock);
	if (ret < 0) {
		free(s.funcs);
		return ret;
	}
	if (s.n)
		qsort(s.funcs, s.n, sizeof(*s.funcs), ap_func_cmp);
	*out = s.funcs;
	return s.n;
}

void ap_func_describe(const struct ap_func *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s", f->description);
}
