/* SPDX-License-Identifier: MIT */
/*
 * compat.h - the one place where libfuse 3.14 (Debian 12) and 3.17+
 * (Debian 13) differ for aperturefs: FUSE passthrough.
 *
 * The version comes from libfuse's own headers (FUSE_VERSION, which
 * pkg-config's fuse3 cflags make visible), so no build-time define is
 * needed.  Everything else in the daemon is the same source on both.
 *
 *   ap_compat_passthrough_why()   NULL if this build can do passthrough,
 *                                 else the reason, for info and the log
 *   ap_compat_init_passthrough()  ask the kernel for it in init()
 *   ap_compat_backing_open()      register a backing fd; id > 0 or 0
 *   ap_compat_backing_close()     release it on the last close
 *   ap_compat_set_backing()       put the id into the open reply
 */
#ifndef APERTUREFS_COMPAT_H
#define APERTUREFS_COMPAT_H

#include <stdbool.h>

#include "aperturefs.h"

#define AP_STR2(x) #x
#define AP_STR(x) AP_STR2(x)
#define AP_FUSE_VERSION_STR \
	AP_STR(FUSE_MAJOR_VERSION) "." AP_STR(FUSE_MINOR_VERSION)

#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 17)

static inline const char *ap_compat_passthrough_why(void)
{
	return NULL;
}

/* true if the kernel offers passthrough and it is now wanted. */
static inline bool ap_compat_init_passthrough(struct fuse_conn_info *conn)
{
	/* Passthrough and the writeback cache exclude each other. */
	fuse_unset_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE);
	return fuse_set_feature_flag(conn, FUSE_CAP_PASSTHROUGH);
}

static inline int ap_compat_backing_open(fuse_req_t req, int fd)
{
	return fuse_passthrough_open(req, fd);
}

static inline void ap_compat_backing_close(fuse_req_t req, int id)
{
	fuse_passthrough_close(req, id);
}

static inline void ap_compat_set_backing(struct fuse_file_info *fi, int id)
{
	fi->backing_id = id;
}

#else /* libfuse < 3.17: no passthrough API at all */

static inline const char *ap_compat_passthrough_why(void)
{
	return "aperturefs was built with libfuse " AP_FUSE_VERSION_STR
	       ", which has no FUSE passthrough (needs 3.17)";
}

static inline bool ap_compat_init_passthrough(struct fuse_conn_info *conn)
{
	return false;
}

static inline int ap_compat_backing_open(fuse_req_t req, int fd)
{
	return 0;
}

static inline void ap_compat_backing_close(fuse_req_t req, int id)
{
}

static inline void ap_compat_set_backing(struct fuse_file_info *fi, int id)
{
}

#endif

#endif /* APERTUREFS_COMPAT_H */
