/* SPDX-License-Identifier: MIT */
/*
 * aperturefs.h - the daemon's shared state, between options.c (options
 * and checks), main.c (set-up and the loop), ops_tree.c and ops_file.c
 * (the FUSE low-level operations) and hotplug.c (the tree following the
 * kernel's hot-plug events).
 */
#ifndef APERTUREFS_H
#define APERTUREFS_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "aperture.h"
#include "backend.h"

#define AP_PROG "aperturefs"

/* Options as parsed (-o key=value), before checks. */
struct ap_options {
	char *width;		/* -o width=auto|8|16|32|64 */
	char *memtype;		/* -o memtype=auto|uc|wc */
	char *uid;		/* -o uid=USER */
	char *gid;		/* -o gid=GROUP */
	char *umask;		/* -o umask=OCTAL */
	char *passthrough;	/* -o passthrough=all|mmap|off */
	char *fake;		/* --fake=FILE: the fake machine */
	char *own;		/* -o own=: entries, ';'-joined */
	int ro;			/* -o ro seen */
	int show_help;		/* -h / --help */
	int show_version;	/* -V / --version */
	int devices_seen;	/* -o devices= given at least once */
	int devices_empty;	/* a devices= had no entry at all */
	char *bad_filter;	/* first bad devices= entry (for the message) */
	const char *bad_why;	/* libpci's reason for it */
	struct ap_filter_list *filters; /* where devices= entries go */
};

/* The names of the root and by-id as listed at one moment (hotplug.c). */
struct ap_names {
	struct ap_dirent *root, *byid;	/* listings, or NULL */
	ssize_t nroot, nbyid;		/* their lengths (0 if none) */
};

/* The mounted file system. */
struct ap_fs {
	struct ap_backend *be;		/* the module, or the fake machine */
	struct ap_tree *tree;		/* what the mount shows */
	struct ap_filter_list *filters;	/* -o devices= */
	uint32_t open_flags;		/* width | memtype for the backend */
	bool ro;			/* mounted read-only */
	uid_t uid;			/* owner of every file */
	gid_t gid;			/* group of every file */
	mode_t umask;			/* applied to BAR files and config */
	struct timespec mtime;		/* mount time, for every inode */
	pthread_mutex_t scan_lock;	/* serialises scans and the kernel
					 * notifications that follow them */
	enum ap_passthrough passthrough; /* -o passthrough= */
	bool pt_active;			/* negotiated with the kernel */
	const char *mmap_no;		/* NULL: mmap works; else why not */
	char mmap_no_buf[160];		/* storage for mmap_no */
	struct fuse_session *se;	/* the session */
	pthread_t events;		/* the hot-plug thread */
	bool events_running;		/* @events was started */
	int stop_pipe[2];		/* written to stop @events */
	int kick_pipe[2];		/* written for a scan by @events */
	bool kick_queued;		/* a scan is asked for and has not
					 * started (__atomic): at most one
					 * waits at a time */
	char (*own)[AP_SLOT_LEN]; /* -o own=: functions to own */
	bool *own_ours;		/* which of them this mount bound (and
				 * releases at unmount) */
	size_t n_own;		/* how many */
	struct ap_names told;		/* names the kernel last heard of
					 * (or saw at mount), under
					 * scan_lock: a scan tells it the
					 * difference, which also covers a
					 * function an access found gone */
};

/* The operations table (ops_file.c). */
extern const struct fuse_lowlevel_ops ap_ops;

/* -o own=: bind at mount, release at unmount (own_mount.c). */
void ap_own_mount(struct ap_fs *fs);
void ap_own_unmount(struct ap_fs *fs);

/* Options (options.c). */
extern const struct fuse_opt ap_opt_table[];
int ap_opt_proc(void *data, const char *arg, int key,
		struct fuse_args *outargs);
void ap_usage(const char *prog);
void ap_helper_args(int *argc, char **argv);
void ap_check_options(struct ap_fs *fs, struct ap_options *opt);
void __attribute__((format(printf, 1, 2), noreturn))
ap_die(const char *fmt, ...);

/* Operations on the tree (ops_tree.c), used by the table. */
void ap_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void ap_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void ap_forget_multi(fuse_req_t req, size_t count,
		     struct fuse_forget_data *forgets);
void ap_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ap_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		int to_set, struct fuse_file_info *fi);
void ap_readlink(fuse_req_t req, fuse_ino_t ino);
void ap_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ap_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi);
void ap_releasedir(fuse_req_t req, fuse_ino_t ino,
		   struct fuse_file_info *fi);
void ap_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 size_t size);

/* Attributes of @node (ops_tree.c), for getattr, lookup and setattr. */
int ap_stat(struct ap_fs *fs, const struct ap_node *node, struct stat *st);

/* What the backend says about every BAR of @e, for info (ops_file.c). */
void ap_fs_bar_status(struct ap_fs *fs, struct ap_entry *e,
		      struct ap_bar_status *st);

/* The text of @e's info file now (ops_file.c): length or -errno. */
ssize_t ap_fs_info(struct ap_fs *fs, struct ap_entry *e, char **text);

/* Scan through the backend and update the tree (hotplug.c); 0 or -errno.
 * With the session running, the kernel is told what came and went. */
int ap_fs_rescan(struct ap_fs *fs);

/* Ask the hot-plug thread for a scan; one already asked for and not
 * started yet stands for this one. */
void ap_fs_kick(struct ap_fs *fs);

/* An access to @e found ENODEV: mark it gone and, the first time only,
 * ask for a scan.  Later ENODEVs of a descriptor left open cost nothing:
 * scans follow the machine's events, not the errors of its users. */
void ap_fs_note_gone(struct ap_fs *fs, struct ap_entry *e);

/* Start / stop the thread that follows hot-plug events (hotplug.c). */
int ap_events_start(struct ap_fs *fs);
void ap_events_stop(struct ap_fs *fs);

static inline struct ap_fs *ap_fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

#endif /* APERTUREFS_H */
