/* SPDX-License-Identifier: MIT */
/*
 * own.h - DMA buffers and interrupts of an owned function in the tree
 * (docs/dma-irq.md):
 *
 *   <slot>/dma/mask        the DMA mask's width in bits, writable
 *   <slot>/dma/master      bus mastering, 0 or 1, writable
 *   <slot>/dma/NAME        a buffer: made by create + truncate to a size,
 *                          read, written, mapped; removed by unlink
 *   <slot>/dma/NAME.addr   its bus address, "0x...\n"
 *   <slot>/irq/mode        "off", "intx", "msi N", "msix N", writable
 *   <slot>/irq/intx, msiN, msixN   one per vector: a read of 8 bytes
 *                          blocks until interrupts came since the last
 *                          read and returns their count
 *
 * shown only while the backend says the function is owned (FUNC_INFO,
 * asked at each lookup).  own_tree.c holds the state, inode numbers and
 * names; own_buf.c the buffers' making and removal; own_file.c the
 * files' contents; own_irq.c the vectors, their
 * blocking reads, poll, and the thread that watches the backend's vector
 * descriptors.
 *
 * Inode numbers: AP_OWN_INO_BIT | entry index << 32 | node id.  A lookup
 * of one counts as a lookup of the function (ap_tree_ref()), as regs/
 * does.  One mutex (ap_own_lock) protects all of the state below.
 */
#ifndef APERTUREFS_OWN_H
#define APERTUREFS_OWN_H

#include "aperturefs.h"

#define AP_OWN_INO_BIT		(1ull << 61)

/* Node ids. */
#define AP_OWN_ID_DMA		1	/* dma/ */
#define AP_OWN_ID_IRQ		2	/* irq/ */
#define AP_OWN_ID_MASK		3	/* dma/mask */
#define AP_OWN_ID_MASTER	4	/* dma/master */
#define AP_OWN_ID_MODE		5	/* irq/mode */
#define AP_OWN_ID_VEC		0x100	/* + vector: irq/<vector> */
#define AP_OWN_ID_BUF		0x10000	/* + 2 * serial (+ 1: NAME.addr) */

#define AP_OWN_MAX_VECS		2048	/* MSI-X's limit */

enum ap_own_kind {
	AP_OWN_DMA, AP_OWN_IRQ, AP_OWN_MASK, AP_OWN_MASTER, AP_OWN_MODE,
	AP_OWN_VEC, AP_OWN_BUF, AP_OWN_ADDR,
};

struct ap_own_file;
struct ap_irq_waiter;

/* One DMA buffer. */
struct ap_dmabuf {
	struct ap_dmabuf *next;		/* in its function's list */
	char name[256];			/* its file name */
	uint32_t serial;		/* fixes its inode numbers */
	int fd;				/* backend descriptor, -1: empty */
	uint64_t size;			/* bytes (0: not allocated yet) */
	uint64_t addr;			/* bus address */
	unsigned int nopen;		/* open files on it */
	bool removed;			/* unlinked: freed at the last close */
	int backing_id;			/* FUSE passthrough id, 0 = none */
};

/* One interrupt vector. */
struct ap_vec {
	struct ap_vec *next;		/* every vector (ap_own_vecs) */
	uint64_t id;			/* epoll's key */
	char slot[AP_SLOT_LEN];		/* its function, for messages */
	char name[16];			/* intx, msi0, msix3 */
	int fd;				/* backend descriptor, -1 once dead */
	bool dead;			/* mode changed, released, gone */
	unsigned int refs;		/* its function + open files */
	uint64_t count;			/* interrupts not read yet */
	struct ap_irq_waiter *waiters;	/* blocked reads, oldest first */
	struct ap_own_file *files;	/* open files (their poll handles) */
};

/* What the daemon keeps of one owned function. */
struct ap_own {
	struct ap_own *next;		/* every owned function */
	unsigned int index;		/* its entry's slot in the tree */
	uint64_t generation;		/* and generation */
	struct ap_func func;		/* for backend calls */
	struct ap_dmabuf *bufs;		/* buffers, newest first */
	uint32_t serial;		/* buffers made so far */
	uint32_t irq_type;		/* APERTURE_IO_IRQ_* shown */
	uint32_t nvec;			/* vectors shown */
	struct ap_vec **vecs;		/* them */
};

/* One resolved inode. */
struct ap_own_node {
	enum ap_own_kind kind;		/* what it is */
	uint64_t ino;			/* its inode number */
	struct ap_entry *entry;		/* its function */
	struct ap_own *own;		/* and what the daemon keeps of it */
	struct ap_dmabuf *buf;		/* BUF, ADDR */
	struct ap_vec *vec;		/* VEC */
};

/* An open file of the tree (fi->fh). */
struct ap_own_file {
	struct ap_own_node n;		/* what was opened (buf/vec held) */
	char *text;			/* text files: the text as of open */
	size_t len;			/* its length */
	struct fuse_pollhandle *ph;	/* VEC: the kernel's poll, or NULL */
	struct ap_own_file *vnext;	/* VEC: next open file of the vector */
};

extern pthread_mutex_t ap_own_lock;

static inline bool ap_own_ino(uint64_t ino)
{
	return (ino & AP_OWN_INO_BIT) && !(ino & (1ull << 62));
}

uint64_t ap_own_node_ino(const struct ap_own *o, uint32_t id);

/* Resolve @ino (called locked); -ENOENT (not owned, no such name). */
int ap_own_node(struct ap_fs *fs, uint64_t ino, struct ap_own_node *out);

/* The inode whose lookups a forget of @ino drops (its function's). */
uint64_t ap_own_forget_ino(uint64_t ino);

/* Hooks of the operations: true if the request was answered. */
bool ap_own_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
bool ap_own_getattr(fuse_req_t req, fuse_ino_t ino);
bool ap_own_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		    int to_set, struct fuse_file_info *fi);
bool ap_own_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		   mode_t mode, struct fuse_file_info *fi);
bool ap_own_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
bool ap_own_opendir(fuse_req_t req, fuse_ino_t ino,
		    struct fuse_file_info *fi);
bool ap_own_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
bool ap_own_releasedir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi);
bool ap_own_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
bool ap_own_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi);
bool ap_own_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		  size_t size, off_t off, struct fuse_file_info *fi);
bool ap_own_release(fuse_req_t req, fuse_ino_t ino,
		    struct fuse_file_info *fi);
void ap_own_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		 struct fuse_pollhandle *ph);

/* Appends "dma" and "irq" to an owned function's listing. */
ssize_t ap_own_list_fn(struct ap_fs *fs, fuse_ino_t ino,
		       struct ap_dirent **v, ssize_t n);

/* Appends the owner, DMA and interrupt lines to info (length or -errno). */
ssize_t ap_own_info(struct ap_fs *fs, const struct ap_entry *e,
		    const char *driver, char **text, ssize_t len);

/* ---- between own_tree.c, own_file.c and own_irq.c --------------------- */

/* The owned function behind function directory @dir (locked), its
 * entry into *@e; NULL if it is not owned. */
struct ap_own *ap_own_fn(struct ap_fs *fs, uint64_t dir, struct ap_entry **e);

/* The buffer of @o named @name, or NULL (locked). */
struct ap_dmabuf *ap_buf_by_name(struct ap_own *o, const char *name);

/* @name in directory @d: its node id, or -errno (locked). */
int64_t ap_own_child(const struct ap_own_node *d, const char *name);

/* Answer a lookup of @n, counting it as a lookup of its function. */
void ap_own_reply_entry(fuse_req_t req, struct ap_fs *fs,
			const struct ap_own_node *n);

/* Attributes of @n (locked). */
void ap_own_stat(struct ap_fs *fs, const struct ap_own_node *n,
		 struct stat *st);

/* Drop a reference on buffer @b (locked): frees it once removed and
 * closed; @req (may be NULL) releases its passthrough id. */
void ap_dmabuf_put(fuse_req_t req, struct ap_dmabuf *b);

/* Open the descriptors of vectors already enabled (locked). */
int ap_own_show_vecs(struct ap_fs *fs, struct ap_own *o, uint32_t type,
		     uint32_t count);

/* Forget every owned function (at unmount; locked). */
void ap_own_drop_all(void);

/* Set the interrupt mode of @o (locked): 0 or -errno, logged. */
int ap_own_set_mode(struct ap_fs *fs, struct ap_own *o, uint32_t type,
		    uint32_t count);

/* Forget @o's vectors (locked): readers get ENODEV, pollers wake. */
void ap_own_kill_vecs(struct ap_own *o);

/* Vector @v of @o named as in irq/ into @buf. */
void ap_vec_name(uint32_t type, uint32_t v, char *buf, size_t len);

/* Drop a reference on @v (locked), freeing it with the last. */
void ap_vec_put(struct ap_vec *v);

/* A vector file's read and write (own_irq.c; not locked), release
 * (locked). */
void ap_vec_read(fuse_req_t req, struct ap_own_file *f, size_t size,
		 struct fuse_file_info *fi);
void ap_vec_write(fuse_req_t req, struct ap_own_file *f, const char *buf,
		  size_t size);
void ap_vec_release(struct ap_own_file *f);

/* The thread that watches vector descriptors (own_irq.c). */
int ap_own_start(struct ap_fs *fs);
void ap_own_stop(struct ap_fs *fs);

/* The mode as irq/mode shows it ("msi 1"). */
void ap_irq_mode_text(uint32_t type, uint32_t count, char *buf, size_t len);

#endif /* APERTUREFS_OWN_H */
