// SPDX-License-Identifier: MIT
/*
 * hotplug.c - the tree follows the machine: the backend's event
 * descriptor (the kernel's uevent socket, or inotify on a fake machine's
 * description) wakes a thread that scans once and tells the kernel which
 * names came and went (fuse_lowlevel_notify_delete for a name that went,
 * fuse_lowlevel_notify_inval_entry for one that came, which may be cached
 * as missing).  Nothing else scans: lookups and listings read the tree.
 *
 * An access that finds its function gone (ENODEV) kicks the thread too,
 * once per function (ap_fs_note_gone), so the kernel hears of it even
 * before the event; kicks that come while one is queued are one scan.
 * A descriptor read in a loop on a removed function never makes a scan
 * of its own after the first.  Every scan is logged
 * at debug level with its running count, which the tests read to show
 * that lookups and listings do not scan.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aperturefs.h"

static void ap_names_take(struct ap_fs *fs, struct ap_names *n)
{
	n->nroot = ap_tree_list(fs->tree, AP_INO_ROOT, &n->root);
	n->nbyid = ap_tree_list(fs->tree, AP_INO_BYID, &n->byid);
	if (n->nroot < 0) {
		n->root = NULL;
		n->nroot = 0;
	}
	if (n->nbyid < 0) {
		n->byid = NULL;
		n->nbyid = 0;
	}
}

static void ap_names_free(struct ap_names *n)
{
	free(n->root);
	free(n->byid);
	memset(n, 0, sizeof(*n));
}

/* Is (@name, @ino) in @v? */
static bool ap_names_has(const struct ap_dirent *v, ssize_t n,
			 const char *name, uint64_t ino)
{
	for (ssize_t i = 0; i < n; i++)
		if (v[i].node.ino == ino && !strcmp(v[i].name, name))
			return true;
	return false;
}

/* Tell the kernel about names of directory @parent that went or came. */
static void ap_names_notify(struct ap_fs *fs, uint64_t parent,
			    const struct ap_dirent *old, ssize_t nold,
			    const struct ap_dirent *now, ssize_t nnow)
{
	/* Entries 0 and 1 are "." and "..". */
	for (ssize_t i = 2; i < nold; i++)
		if (!ap_names_has(now, nnow, old[i].name, old[i].node.ino))
			fuse_lowlevel_notify_delete(fs->se, parent,
						    old[i].node.ino,
						    old[i].name,
						    strlen(old[i].name));
	for (ssize_t i = 2; i < nnow; i++)
		if (!ap_names_has(old, nold, now[i].name, now[i].node.ino))
			fuse_lowlevel_notify_inval_entry(fs->se, parent,
							 now[i].name,
							 strlen(now[i].name));
}

int ap_fs_rescan(struct ap_fs *fs)
{
	struct ap_names now;
	struct ap_func *funcs = NULL;
	ssize_t n;
	int ret;

	pthread_mutex_lock(&fs->scan_lock);
	n = ap_backend_scan(fs->be, fs->filters, &funcs);
	if (n < 0) {
		fuse_log(FUSE_LOG_ERR, "aperturefs: scan of the %s failed: "
			 "%s\n", fs->be->ops->name, strerror(-n));
		ret = n;
		goto out_unlock;
	}
	ret = ap_tree_update(fs->tree, funcs, n);
	free(funcs);
	fuse_log(FUSE_LOG_DEBUG, "aperturefs: scan %lu: %zd functions, %d "
		 "changed, %zu entries\n", ap_backend_scans(fs->be), n,
		 ret < 0 ? 0 : ret, ap_tree_entries(fs->tree));
	ap_names_take(fs, &now);
	if (fs->events_running) {
		ap_names_notify(fs, AP_INO_ROOT, fs->told.root, fs->told.nroot,
				now.root, now.nroot);
		ap_names_notify(fs, AP_INO_BYID, fs->told.byid, fs->told.nbyid,
				now.byid, now.nbyid);
	}
	ap_names_free(&fs->told);
	fs->told = now;
out_unlock:
	pthread_mutex_unlock(&fs->scan_lock);
	return ret < 0 ? ret : 0;
}

void ap_fs_kick(struct ap_fs *fs)
{
	if (!fs->events_running ||
	    __atomic_exchange_n(&fs->kick_queued, true, __ATOMIC_ACQ_REL))
		return;
	if (write(fs->kick_pipe[1], "", 1) < 0 && errno != EAGAIN)
		fuse_log(FUSE_LOG_ERR, "aperturefs: cannot wake the hot-plug "
			 "thread: %s\n", strerror(errno));
}

void ap_fs_note_gone(struct ap_fs *fs, struct ap_entry *e)
{
	if (ap_tree_mark_gone(fs->tree, e))
		ap_fs_kick(fs);
}

static void *ap_events_main(void *arg)
{
	struct ap_fs *fs = arg;
	struct pollfd p[3] = {
		{ .fd = fs->be->ops->event_fd(fs->be), .events = POLLIN },
		{ .fd = fs->stop_pipe[0], .events = POLLIN },
		{ .fd = fs->kick_pipe[0], .events = POLLIN },
	};
	char drain[64];

	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			fuse_log(FUSE_LOG_ERR, "aperturefs: hot-plug events "
				 "stopped: %s\n", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (p[2].revents) {
			while (read(fs->kick_pipe[0], drain, sizeof(drain)) > 0)
				;
			/* Kicks from now on ask for the next scan. */
			__atomic_store_n(&fs->kick_queued, false,
					 __ATOMIC_RELEASE);
			ap_fs_rescan(fs);
		}
		if (p[0].revents && fs->be->ops->event(fs->be) > 0)
			ap_fs_rescan(fs);
	}
	return NULL;
}

int ap_events_start(struct ap_fs *fs)
{
	int ret;

	if (fs->be->ops->event_fd(fs->be) < 0) {
		fuse_log(FUSE_LOG_WARNING, "aperturefs: no hot-plug events "
			 "from the %s: the tree stays as mounted\n",
			 fs->be->ops->name);
		return 0;
	}
	if (pipe2(fs->stop_pipe, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(fs->kick_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = -errno;
		goto err_close_stop;
	}
	fs->events_running = true;
	ret = pthread_create(&fs->events, NULL, ap_events_main, fs);
	if (ret) {
		fs->events_running = false;
		ret = -ret;
		goto err_close_kick;
	}
	return 0;

err_close_kick:
	close(fs->kick_pipe[0]);
	close(fs->kick_pipe[1]);
err_close_stop:
	close(fs->stop_pipe[0]);
	close(fs->stop_pipe[1]);
	return ret;
}

void ap_events_stop(struct ap_fs *fs)
{
	if (!fs->events_running)
		return;
	if (write(fs->stop_pipe[1], "", 1) < 0)
		fuse_log(FUSE_LOG_ERR, "aperturefs: cannot stop the hot-plug "
			 "thread: %s\n", strerror(errno));
	pthread_join(fs->events, NULL);
	fs->events_running = false;
	close(fs->stop_pipe[0]);
	close(fs->stop_pipe[1]);
	close(fs->kick_pipe[0]);
	close(fs->kick_pipe[1]);
	pthread_mutex_lock(&fs->scan_lock);
	ap_names_free(&fs->told);
	pthread_mutex_unlock(&fs->scan_lock);
}
