/* SPDX-License-Identifier: MIT */
/*
 * regs_tree.h - registers by name in the mounted tree:
 *
 *   <slot>/regs/<BLOCK>/<REGISTER>          one register, "0x%0*x\n"
 *   <slot>/regs/<BLOCK>/<REGISTER>.<FIELD>  one field, decimal
 *   <slot>/regs/.check                      checks a write, read or wait
 *                                           without any access (regs_check.c)
 *   <slot>/registers                        every readable register
 *
 * for each function whose vendor:device has a description (regs_bind.h).
 * regs_tree.c holds the descriptions, the inode numbers and the names;
 * regs_file.c the files' contents (device accesses, formats, writes).
 *
 * Inode numbers: AP_REGS_INO_BIT | entry index << 32 | node id, node 0
 * being regs/, 1 registers, then each block, each register and its fields;
 * regs/.check is node AP_REGS_CHECK_ID.
 * A lookup of one of them counts as a lookup of the function (the tree's
 * ap_tree_ref()), so the function's entry lives while the kernel holds
 * any of its register inodes.
 */
#ifndef APERTUREFS_REGS_TREE_H
#define APERTUREFS_REGS_TREE_H

#include "aperturefs.h"
#include "regs.h"
#include "regs_bind.h"

#define AP_REGS_INO_BIT		(1ull << 62)

enum ap_regs_kind {
	AP_REGS_DIR,		/* regs/ */
	AP_REGS_LIST,		/* registers */
	AP_REGS_BLOCK,		/* regs/<BLOCK>/ */
	AP_REGS_REG,		/* regs/<BLOCK>/<REGISTER> */
	AP_REGS_FIELD,		/* regs/<BLOCK>/<REGISTER>.<FIELD> */
	AP_REGS_CHECK,		/* regs/.check */
};

#define AP_REGS_CHECK_ID	UINT32_MAX	/* node id of regs/.check */

/* What node id N >= 2 of a device is. */
struct ap_regs_id {
	enum ap_regs_kind kind;		/* BLOCK, REG or FIELD */
	uint32_t blk;			/* index in dev->blks */
	uint32_t reg;			/* index in the block's regs */
	uint32_t field;			/* index in the register's fields */
};

/* One block of a device and the node ids of its registers. */
struct ap_regs_blk {
	const struct regs_block *b;	/* the block */
	uint32_t id;			/* its directory's node id */
	uint32_t *reg_id;		/* node id of each register (its
					 * fields follow it) */
};

/* One vendor:device's registers: its descriptions, merged (regs_load.c). */
struct ap_regs_dev {
	uint16_t vendor, device;	/* whom it describes */
	struct ap_regs_blk *blks;	/* blocks, by name */
	size_t n_blks;
	struct ap_regs_id *ids;		/* node id - 2 -> what */
	size_t n_ids;
	const struct regs_block **lb;	/* listing order (BAR, offset,
					 * name): block ... */
	const struct regs_register **lr; /* ... and register */
	size_t n_list;
};

/* One resolved register inode. */
struct ap_regs_node {
	enum ap_regs_kind kind;		/* what it is */
	uint64_t ino;			/* its inode number */
	struct ap_entry *entry;		/* its function */
	const struct ap_regs_dev *dev;	/* its descriptions */
	const struct regs_block *block;	/* BLOCK, REG, FIELD */
	const struct regs_register *reg; /* REG, FIELD */
	const struct regs_field *field;	/* FIELD */
};

static inline bool ap_regs_ino(uint64_t ino)
{
	return ino & AP_REGS_INO_BIT;
}

/* -o regs=PATH (may repeat): a directory or a description file. */
int ap_regs_opt(const char *path);

/* Load what the options name (dies on a named file that does not load). */
void ap_regs_start(struct ap_fs *fs);
void ap_regs_stop(void);

/* Hooks of the operations: true if the request was the regs tree's and
 * has been answered. */
bool ap_regs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
bool ap_regs_getattr(fuse_req_t req, fuse_ino_t ino);
bool ap_regs_setattr(fuse_req_t req, fuse_ino_t ino, int to_set);
bool ap_regs_opendir(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi);
bool ap_regs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi);
bool ap_regs_releasedir(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi);
bool ap_regs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
bool ap_regs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		  struct fuse_file_info *fi);
bool ap_regs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		   size_t size, off_t off, struct fuse_file_info *fi);
bool ap_regs_release(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi);
bool ap_regs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		      size_t size);

/* The inode whose lookups a forget of @ino drops (its function's). */
uint64_t ap_regs_forget_ino(uint64_t ino);

/* Appends "regs" and "registers" to a function directory's listing. */
ssize_t ap_regs_list_fn(struct ap_fs *fs, fuse_ino_t ino,
			struct ap_dirent **v, ssize_t n);

/* Appends the function's regs lines to its info text (length or -errno). */
ssize_t ap_regs_info(struct ap_fs *fs, const struct ap_entry *e, char **text,
		     ssize_t len);

/* ---- between regs_tree.c and regs_file.c ------------------------ */

/* The inode number of node @id of @e's registers. */
uint64_t ap_regs_node_ino(const struct ap_entry *e, uint32_t id);

/* Resolve @ino; -ENOENT, -ENODEV (function gone). */
int ap_regs_node(struct ap_fs *fs, uint64_t ino, struct ap_regs_node *out);

/* The index in dev->blks of the block named @name, -1 if none. */
int ap_regs_block_index(const struct ap_regs_dev *dev, const char *name);

/* What a register or field file allows: REGS_READ | REGS_WRITE. */
unsigned int ap_regs_rights(const struct ap_regs_node *n);

/*
 * Whether text @text (@len bytes) may be written to register or field
 * @n (regs_check.c): 0 and *@v, the value to write to the field or
 * register; or -EINVAL (the value) or -EPERM (the field write would read
 * a register whose read has a side effect, or set or clear another
 * field: regs_field_write_check()), with "regs/BLOCK/NAME: 'TEXT': WHY"
 * in @msg.  No access; the open already checked the file's rights.
 */
int ap_regs_write_ok(const struct ap_regs_node *n, const char *text,
		     size_t len, uint64_t *v, char *msg, size_t msglen);

/*
 * A request written to regs/.check: its answer (what a read of the same
 * open file then returns, malloc'd into *@answer) and the errno the
 * real operation would give, or 0 (regs_check.c).
 */
int ap_regs_check(struct ap_fs *fs, const struct ap_regs_node *dir,
		  const char *req, size_t len, char **answer);

/* The descriptions of @vendor:@device, NULL if none loaded (regs_load.c). */
struct ap_regs_dev *ap_regs_find_dev(uint16_t vendor, uint16_t device);

/* Every description found, loaded or not (regs_load.c). */
const struct regs_set *ap_regs_set(void);

/* Remember @msg as the function's last refused write (for info). */
void ap_regs_note_refusal(const struct ap_entry *e, const char *msg);

/* The function's last refused write into @buf; false if none. */
bool ap_regs_last_refusal(const struct ap_entry *e, char *buf, size_t len);

#endif /* APERTUREFS_REGS_TREE_H */
