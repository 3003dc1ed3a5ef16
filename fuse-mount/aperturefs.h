/* SPDX-License-Identifier: MIT */
/*
 * aperturefs.h - the daemon's shared state, between main.c (options,
 * mount) and ops.c (the FUSE low-level operations).
 */
#ifndef APERTUREFS_H
#define APERTUREFS_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "aperture.h"

/* Options as parsed (-o key=value), before checks. */
struct ap_options {
	char *width;		/* -o width=auto|8|16|32|64 */
	char *memtype;		/* -o memtype=auto|uc|wc */
	char *uid;		/* -o uid=USER */
	char *gid;		/* -o gid=GROUP */
	char *umask;		/* -o umask=OCTAL */
	char *passthrough;	/* -o passthrough=all|mmap|off */
	int ro;			/* -o ro seen */
	int show_help;		/* -h / --help */
	char *bad_filter;	/* first bad devices= entry (for the message) */
	const char *bad_why;	/* libpci's reason for it */
};

/* The mounted file system. */
struct ap_fs {
	struct ap_pci *pci;		/* libpci, for rescans */
	struct ap_tree *tree;		/* what the mount shows */
	struct ap_filter_list *filters;	/* -o devices= */
	int ctl;			/* /dev/aperture_io */
	uint32_t open_flags;		/* width | memtype for the module */
	bool ro;			/* mounted read-only */
	uid_t uid;			/* owner of every file */
	gid_t gid;			/* group of every file */
	mode_t umask;			/* applied to BAR files and config */
	struct timespec mtime;		/* mount time, for every inode */
	pthread_mutex_t scan_lock;	/* serialises rescans */
	enum ap_passthrough passthrough; /* -o passthrough= */
	bool pt_active;			/* negotiated with the kernel */
	const char *mmap_no;		/* NULL: mmap works; else why not */
	char mmap_no_buf[160];		/* storage for mmap_no */
	struct fuse_session *se;	/* the session */
};

/* The operations table (ops.c). */
extern const struct fuse_lowlevel_ops ap_ops;

/* Rescan the bus and update the tree (ops.c); 0 or -errno. */
int ap_fs_rescan(struct ap_fs *fs);

#endif /* APERTUREFS_H */
