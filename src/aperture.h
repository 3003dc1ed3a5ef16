/* SPDX-License-Identifier: MIT */
/*
 * aperture.h - libaperture, the library behind the aperturefs daemon.
 *
 * Read this header as the manual.  The library finds PCI functions and
 * their BARs with libpci, names them the way lspci does, filters them with
 * lspci's own -s / -d syntax, keeps the tree that the daemon shows
 * (/<dddd:bb:dd.f>/{bar0..5,info,config} and by-id/ symlinks), and talks to
 * the aperture_io kernel module through /dev/aperture_io.
 *
 * Conventions: every function that can fail returns a negative errno (or
 * NULL with errno set where it returns a pointer); nothing here prints,
 * exits or installs signal handlers.  libpci's fatal-error hook, which
 * would exit(), is caught and turned into -EIO (or -ENOENT, ...).
 *
 * Thread safety: a struct ap_pci serialises its own calls; a struct ap_tree
 * may be used from any number of threads (one mutex inside); an
 * struct ap_bar_handle has its own mutex.
 */
#ifndef APERTURE_H
#define APERTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "aperture_io.h"

/* ------------------------------------------------------------------ */
/* PCI functions and their BARs                                       */
/* ------------------------------------------------------------------ */

#define AP_NR_BARS		6	/* BAR0..BAR5 of a type-0 header */
#define AP_SLOT_LEN		16	/* "dddd:bb:dd.f" and its NUL */
#define AP_NAME_LEN		256	/* one name from pci.ids */

/* One BAR as discovery sees it (before the module is asked). */
struct ap_bar {
	uint64_t start;			/* bus address as lspci shows, 0 if unset */
	uint64_t size;			/* bytes; 0 = not implemented (or unknown) */
	unsigned int flags;		/* APERTURE_IO_BAR_* from aperture_io.h */
};

/* One PCI function: identity, names and BARs.  Plain data, copyable. */
struct ap_func {
	uint32_t domain;		/* PCI domain (segment) */
	uint8_t bus;			/* bus number */
	uint8_t dev;			/* slot (device) number, 0..31 */
	uint8_t func;			/* function number, 0..7 */
	uint16_t vendor_id;		/* config 0x00 */
	uint16_t device_id;		/* config 0x02 */
	uint16_t class_id;		/* base class << 8 | sub class */
	uint8_t prog_if;		/* programming interface */
	uint8_t rev_id;			/* revision */
	uint16_t subsys_vendor_id;	/* subsystem vendor, 0 if none */
	uint16_t subsys_id;		/* subsystem device, 0 if none */
	char slot[AP_SLOT_LEN];		/* "0000:00:04.0" (the directory name) */
	char name[2 * AP_NAME_LEN];	/* lspci's "vendor device" name */
	char description[4 * AP_NAME_LEN]; /* lspci -nn's line after the slot */
	/* Names as lspci -nn words them (libpci's PCI_LOOKUP_MIXED): */
	char vendor_name[AP_NAME_LEN];	/* "Red Hat, Inc. [1af4]", "Vendor [1234]" */
	char device_name[AP_NAME_LEN];	/* "QEMU PCI Test Device [0005]" */
	char class_name[AP_NAME_LEN];	/* "RAM memory [0500]" */
	char subsys_name[AP_NAME_LEN];	/* "Red Hat, Inc. Device [1af4:1100]", "" */
	char driver[64];		/* bound kernel driver, "" if none */
	struct ap_bar bars[AP_NR_BARS];	/* BAR0..BAR5 */
};

/* True if BAR @i of @f is implemented (gets a file in the tree). */
bool ap_func_has_bar(const struct ap_func *f, int i);

/* True if @f has at least one implemented BAR (gets a directory). */
bool ap_func_has_bars(const struct ap_func *f);

/* ------------------------------------------------------------------ */
/* Filters: lspci -s and -d syntax                                    */
/* ------------------------------------------------------------------ */

/*
 * A filter list holds any number of entries; a function passes if it
 * matches ANY entry (an empty list passes everything).  Each entry is
 * lspci's own syntax, parsed by libpci:
 *
 *   -s SLOT   or  SLOT containing a '.'   [[[[dom]:]bus]:][dev][.[func]]
 *   -d ID     or  ID otherwise            [vendor]:[device][:class[:progif]]
 *
 * so "00:04.0", "-s00:04", "1234:11e8", "-d ::0300" all work.  A bare
 * "00:04" (no '.', one ':') that is both a valid slot and a valid id is
 * refused as ambiguous (-EINVAL, the reason says to write -s or -d).
 * ap_filter_add_list() splits a string on ';' (the mount option syntax).
 */
struct ap_filter_list;

struct ap_filter_list *ap_filter_list_new(void);
void ap_filter_list_free(struct ap_filter_list *fl);

/*
 * Add one entry.  On a syntax error returns -EINVAL and, if @why is not
 * NULL, points it at libpci's reason (a static string).
 */
int ap_filter_add(struct ap_filter_list *fl, const char *entry,
		  const char **why);

/*
 * Add one entry as lspci's "-s @slot -d @id" makes it (either may be
 * NULL; both must match), for the aperture command and libaperture.
 * Errors as ap_filter_add().
 */
int ap_filter_add_lspci(struct ap_filter_list *fl, const char *slot,
			const char *id, const char **why);

/*
 * Add every ';'-separated entry of @list (empty entries are skipped).  On
 * error returns -EINVAL, copies the bad entry into @bad (size @bad_len) and
 * sets @why as ap_filter_add() does.
 */
int ap_filter_add_list(struct ap_filter_list *fl, const char *list,
		       char *bad, size_t bad_len, const char **why);

/* Number of entries added so far. */
size_t ap_filter_count(const struct ap_filter_list *fl);

/* True if @f passes the list. */
bool ap_filter_match(const struct ap_filter_list *fl,
		     const struct ap_func *f);

/* ------------------------------------------------------------------ */
/* Discovery through libpci                                           */
/* ------------------------------------------------------------------ */

/* Where struct ap_pci reads devices from. */
struct ap_pci_config {
	const char *dump_file;	/* NULL: the OS (sysfs); else a file in
				 * `lspci -x` format (libpci's dump method),
				 * safe on any machine, for tests */
	const char *sysfs_path;	/* NULL: /sys/bus/pci; else a tree laid out
				 * like it (tests) */
	const char *ids_file;	/* NULL: libpci's default pci.ids */
	bool numeric;		/* true: no names, numbers only */
};

struct ap_pci;

/* Open libpci as @cfg says.  NULL and errno on failure. */
struct ap_pci *ap_pci_open(const struct ap_pci_config *cfg);
void ap_pci_close(struct ap_pci *pci);

/*
 * Scan the bus now (each call rescans: hot-plug is seen) and return, in
 * *@out (malloc'ed, caller frees) the functions that pass @filters (NULL:
 * all) and have at least one BAR, sorted by slot.  Returns the count or
 * -errno; libpci's own failure text is then in ap_pci_error().
 */
ssize_t ap_pci_scan(struct ap_pci *pci, const struct ap_filter_list *filters,
		    struct ap_func **out);

/* The last message libpci gave as fatal (or ""), for the daemon's log. */
const char *ap_pci_error(struct ap_pci *pci);

/*
 * Fill @buf with lspci's one-line description of @f, as `lspci -nn`
 * prints it after the slot: "Unclassified device [00ff]: Red Hat, Inc.
 * QEMU PCI Test Device [1b36:0005]" (with " (rev NN)" when non-zero).
 * It is made at scan time (f->description), with libpci's own wording.
 */
void ap_func_describe(const struct ap_func *f, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* The module client: /dev/aperture_io                                */
/* ------------------------------------------------------------------ */

/*
 * Open the control node (O_RDWR | O_CLOEXEC).  -ENOENT means the module is
 * not loaded; -EACCES/-EPERM that the caller is not root.
 */
int ap_module_open(void);

/*
 * Ask the module about BAR @bar of @f with open @flags
 * (APERTURE_IO_WIDTH_*, _MEMTYPE_*, _OPEN_RDONLY).  With @open false this
 * is APERTURE_IO_INFO (nothing is opened, out->fd is -1); with @open true
 * APERTURE_IO_OPEN and out->fd is a new descriptor the caller closes.
 * Returns 0 or the module's -errno.
 */
int ap_module_bar(int ctl, const struct ap_func *f, int bar, uint32_t flags,
		  bool open, struct aperture_io_bar *out);

/* The name of an errno value ("EBUSY"), or "E?" if unknown. */
const char *ap_errno_name(int err);

/* ------------------------------------------------------------------ */
/* A shared backend descriptor per BAR                                */
/* ------------------------------------------------------------------ */

struct ap_backend;	/* backend.h: the module, or the fake machine */

/*
 * Every open BAR file of one BAR shares one backend descriptor: the first
 * ap_bar_get() opens it, the last ap_bar_put() closes it (so that the
 * module can unload and a removed device is released).
 */
struct ap_bar_handle {
	pthread_mutex_t lock;	/* protects all fields below */
	int fd;			/* backend descriptor, -1 while unused */
	unsigned int users;	/* open files sharing @fd */
	int backing_id;		/* caller's (FUSE passthrough id), 0 = none */
	struct aperture_io_bar desc; /* what the open said about the BAR */
};

void ap_bar_handle_init(struct ap_bar_handle *h);

/*
 * Take a reference on the descriptor of BAR @bar of @f, opening it with
 * @flags through @be if it is the first.  Returns the fd (>= 0, still
 * owned by @h) or the backend's -errno.
 */
int ap_bar_get(struct ap_bar_handle *h, struct ap_backend *be,
	       const struct ap_func *f, int bar, uint32_t flags);

/*
 * Drop a reference.  Returns true if it was the last: the descriptor is
 * then closed, and *@backing_id (if not NULL) receives the backing id the
 * caller stored, which the caller must release; false otherwise.
 */
bool ap_bar_put(struct ap_bar_handle *h, int *backing_id);

/*
 * Read or write @len bytes at @off through descriptor @fd of a BAR of
 * @size bytes, with @be's methods (NULL: plain pread/pwrite).  Reads at
 * or past the end return 0; writes at or past the end -ENOSPC; both are
 * clamped to the end.  Returns bytes done or -errno.
 */
ssize_t ap_bar_pread(struct ap_backend *be, int fd, uint64_t size, void *buf,
		     size_t len, uint64_t off);
ssize_t ap_bar_pwrite(struct ap_backend *be, int fd, uint64_t size,
		      const void *buf, size_t len, uint64_t off);

/* ------------------------------------------------------------------ */
/* The tree                                                           */
/* ------------------------------------------------------------------ */

/* What an inode of the tree is. */
enum ap_node_kind {
	AP_NODE_ROOT,		/* the mount point */
	AP_NODE_BYID,		/* by-id/ */
	AP_NODE_DIR,		/* one function's directory */
	AP_NODE_BAR,		/* barN */
	AP_NODE_INFO,		/* info */
	AP_NODE_CONFIG,		/* config */
	AP_NODE_LINK,		/* by-id/vvvv:dddd[-N] */
};

#define AP_INO_ROOT	1	/* the root inode, as FUSE wants it */
#define AP_INO_BYID	2	/* by-id/ */

/*
 * One function in the tree.  An entry lives while the kernel may still
 * name one of its inodes (its lookup count) or a file on it is open; a
 * removed function is marked gone (its inodes answer -ENODEV) and its
 * entry is freed once forgotten and closed.  A function that comes back
 * gets a new entry.
 */
struct ap_entry {
	struct ap_func func;		/* what discovery said; immutable */
	unsigned int index;		/* slot in the tree, fixes inodes */
	uint64_t generation;		/* tells reused slots apart */
	bool gone;			/* removed (read with __atomic) */
	char byid[24];			/* by-id name, under the tree lock */
	uint64_t nlookup;		/* the kernel's lookups of its inodes,
					 * under the tree lock */
	unsigned int nopen;		/* open files on it, under the lock */
	struct ap_bar_handle bars[AP_NR_BARS]; /* shared descriptors */
};

/* One resolved inode. */
struct ap_node {
	enum ap_node_kind kind;		/* what it is */
	uint64_t ino;			/* its inode number */
	uint64_t generation;		/* its entry's, or 0 */
	struct ap_entry *entry;		/* DIR/BAR/INFO/CONFIG/LINK, else NULL */
	int bar;			/* BAR index for AP_NODE_BAR, else -1 */
};

/* One directory entry, for readdir. */
struct ap_dirent {
	char name[32];			/* file name */
	struct ap_node node;		/* what it is */
};

struct ap_tree;

/* A new, empty tree; NULL if out of memory. */
struct ap_tree *ap_tree_new(void);
void ap_tree_free(struct ap_tree *t);

/*
 * Make the tree show exactly @funcs (sorted or not): new functions get
 * entries, missing ones are marked gone, by-id names are recomputed.
 * Returns the number of entries added plus removed, or -errno.
 */
int ap_tree_update(struct ap_tree *t, const struct ap_func *funcs, size_t n);

/* Resolve an inode number.  -ENOENT if unknown, -ENODEV if gone. */
int ap_tree_node(struct ap_tree *t, uint64_t ino, struct ap_node *out);

/*
 * Look @name up in directory @parent and count one lookup of the result
 * (the kernel's reference, dropped by ap_tree_forget()).  -ENOENT if
 * absent, -ENOTDIR if @parent is not a directory.
 */
int ap_tree_lookup(struct ap_tree *t, uint64_t parent, const char *name,
		   struct ap_node *out);

/* The kernel forgot @n lookups of @ino; frees what nothing holds. */
void ap_tree_forget(struct ap_tree *t, uint64_t ino, uint64_t n);

/*
 * Count one lookup of an inode of @e that the tree does not name itself
 * (the daemon's regs/ tree); ap_tree_forget() of @e's directory inode
 * drops it.
 */
void ap_tree_ref(struct ap_tree *t, struct ap_entry *e);

/* The directory inode of the entry in slot @index. */
uint64_t ap_tree_entry_ino(unsigned int index);

/* A file on @e was opened / closed (keeps the entry while open). */
void ap_tree_hold(struct ap_tree *t, struct ap_entry *e);
void ap_tree_release(struct ap_tree *t, struct ap_entry *e);

/* @e's function is gone (seen by an access): it leaves the listings.
 * True if this call marked it, false if it was gone already. */
bool ap_tree_mark_gone(struct ap_tree *t, struct ap_entry *e);

/* Entries allocated now (live and gone-but-held), for tests and logs. */
size_t ap_tree_entries(struct ap_tree *t);

/*
 * List directory @dir ("." and ".." first) into *@out (malloc'ed, caller
 * frees).  Returns the count or -errno.
 */
ssize_t ap_tree_list(struct ap_tree *t, uint64_t dir, struct ap_dirent **out);

/* The target of a by-id link ("../0000:00:04.0") into @buf. */
int ap_tree_readlink(struct ap_tree *t, uint64_t ino, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* File contents: info and config                                     */
/* ------------------------------------------------------------------ */

/* What the module said about one BAR, for info. */
struct ap_bar_status {
	int err;			/* 0, or the module's -errno */
	struct aperture_io_bar desc;	/* valid when err == 0 */
	const char *mmap_no;		/* NULL: mmap available; else why not */
};

/*
 * Format the info file of @f into *@out (malloc'ed, NUL-terminated) and
 * return its length or -errno.  @st has one status per BAR (unimplemented
 * ones are skipped); @st NULL means "module not asked".
 *
 * Layout (one "key: value" per line, BAR lines in lspci -v wording):
 *   slot: 0000:00:04.0
 *   name: Unclassified device [00ff]: Device [1234:11e8] (rev 10)
 *   vendor: Vendor [1234]
 *   device: Device [11e8]
 *   class: Unclassified device [00ff]
 *   subsystem: Red Hat, Inc. Device [1af4:1100]
 *   revision: 10
 *   driver: (none)
 *   bar0: Memory at fea00000 (32-bit, non-prefetchable) [size=1M]
 *   bar0.address: 0xfea00000
 *   bar0.size: 1048576
 *   bar0.type: mem | io
 *   bar0.64bit: yes | no
 *   bar0.prefetchable: yes | no
 *   bar0.memtype: uc | wc | -
 *   bar0.width: 8 | 16 | 32 | 64 | auto
 *   bar0.decoding: yes | no | -   (PCI_COMMAND; "-": module too old)
 *   bar0.mmap: yes | no (reason)
 *   bar0.module: ok | refused: <strerror> (EBUSY)
 */
ssize_t ap_info_format(const struct ap_func *f,
		       const struct ap_bar_status *st, char **out);

/* ------------------------------------------------------------------ */
/* Option values                                                      */
/* ------------------------------------------------------------------ */

/* "auto|8|16|32|64" -> APERTURE_IO_WIDTH_*.  0 or -EINVAL. */
int ap_parse_width(const char *s, uint32_t *flags);

/* "auto|uc|wc" -> APERTURE_IO_MEMTYPE_*.  0 or -EINVAL. */
int ap_parse_memtype(const char *s, uint32_t *flags);

/* How the daemon uses FUSE passthrough (-o passthrough=). */
enum ap_passthrough {
	AP_PASSTHROUGH_ALL,	/* read, write and mmap to the module */
	AP_PASSTHROUGH_MMAP,	/* only mmap; read/write via the daemon */
	AP_PASSTHROUGH_OFF,	/* none: shared mmap is ENODEV */
};

/* "all|mmap|off" -> enum.  0 or -EINVAL. */
int ap_parse_passthrough(const char *s, enum ap_passthrough *out);

/* An octal mode mask "0177", "022" (<= 0777).  0 or -EINVAL. */
int ap_parse_umask(const char *s, mode_t *out);

/*
 * A user: number or name.  0, -EINVAL (bad number), -ENOENT (no user), or
 * another -errno from the user database (-ENOMEM).  Large entries (a
 * group with thousands of members) are retried with a bigger buffer.
 */
int ap_parse_uid(const char *s, uid_t *out);

/* A group: number or name.  0, -EINVAL or -ENOENT. */
int ap_parse_gid(const char *s, gid_t *out);

/* Names of the values above, for messages and info. */
const char *ap_width_name(uint32_t flags);	/* "auto", "8", ... */
const char *ap_memtype_name(uint32_t flags);	/* "auto", "uc", "wc" */
const char *ap_passthrough_name(enum ap_passthrough p);

#endif /* APERTURE_H */
