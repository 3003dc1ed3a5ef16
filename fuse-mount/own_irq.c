// SPDX-License-Identifier: MIT
/*
 * own_irq.c - interrupt vectors of an owned function (own.h): irq/mode's
 * changes, the vector files' reads, writes and poll, and the thread that
 * watches the backend's vector descriptors.
 *
 * A read of a vector file never holds a worker thread: with nothing
 * counted it is queued (struct ap_irq_waiter) and answered later by the
 * watcher thread, which epolls every vector descriptor, adds what it
 * reads to the vector's count and answers the oldest waiting read with
 * it (an eventfd's semantics: one read takes the whole count).  So any
 * number of blocked readers cost no thread of libfuse's pool (at most 10
 * by default, -o max_threads), and the other files keep answering.
 *
 * A blocked read is interruptible: FUSE sends INTERRUPT when the reader
 * gets a signal (the kernel never drops a read the daemon holds, even for
 * SIGKILL, until it is answered), and the read is answered EINTR.  A
 * count whose reply found no reader any more is kept for the next read.
 * fuse_req_interrupt_func() takes the request's lock, so it is called
 * without ap_own_lock (its callback takes ap_own_lock under that lock);
 * a waiter is marked "registering" meanwhile, and whoever finds it so
 * leaves the reply to the reader's thread.
 *
 * poll: POLLIN while a count is waiting, POLLOUT always (mask/unmask);
 * the kernel's poll handle of each open file is kept and notified when a
 * count arrives or the vector goes (POLLERR: the read says ENODEV).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "own.h"

/* One blocked read. */
struct ap_irq_waiter {
	struct ap_irq_waiter *next;	/* in its vector's queue */
	struct ap_vec *vec;		/* holds a reference */
	fuse_req_t req;			/* the read */
	bool registering;		/* its thread is between the queue and
					 * fuse_req_interrupt_func(): it replies */
	int result;			/* 0 waiting, 1 count, or -errno */
	uint64_t count;			/* with result 1 */
};

static struct ap_fs *ap_irq_fs;		/* for the watcher */
static int ap_irq_epoll = -1;		/* every vector descriptor */
static int ap_irq_stop[2] = { -1, -1 };	/* written to stop the watcher */
static pthread_t ap_irq_thread;
static bool ap_irq_running;
static struct ap_vec *ap_vecs;		/* every vector not yet freed */
static uint64_t ap_vec_ids;		/* ids handed out (0: the stop pipe) */

void ap_vec_name(uint32_t type, uint32_t v, char *buf, size_t len)
{
	if (type == APERTURE_IO_IRQ_INTX)
		snprintf(buf, len, "intx");
	else
		snprintf(buf, len, "%s%u", type == APERTURE_IO_IRQ_MSI ? "msi" :
			 "msix", v);
}

void ap_vec_put(struct ap_vec *v)
{
	struct ap_vec **p;

	if (--v->refs)
		return;
	for (p = &ap_vecs; *p && *p != v; p = &(*p)->next)
		;
	if (*p)
		*p = v->next;
	free(v);
}

/* Wake every poll of @v (locked). */
static void ap_vec_notify(struct ap_vec *v)
{
	for (struct ap_own_file *f = v->files; f; f = f->vnext) {
		if (!f->ph)
			continue;
		fuse_lowlevel_notify_poll(f->ph);
		fuse_pollhandle_destroy(f->ph);
		f->ph = NULL;
	}
}

/* Answer @w's read and free it (locked). */
static void ap_irq_finish(struct ap_irq_waiter *w)
{
	struct ap_vec *v = w->vec;

	if (w->result > 0) {
		/* The reader may be gone: then the count waits for the
		 * next one. */
		if (fuse_reply_buf(w->req, (const char *)&w->count,
				   sizeof(w->count)) < 0 && !v->dead) {
			v->count += w->count;
			ap_vec_notify(v);
		}
	} else {
		fuse_reply_err(w->req, -w->result);
	}
	ap_vec_put(v);
	free(w);
}

/* Hand counts (or ENODEV) to waiting reads, oldest first (locked). */
static void ap_vec_serve(struct ap_vec *v)
{
	struct ap_irq_waiter *w;

	while ((w = v->waiters) && (v->count || v->dead)) {
		v->waiters = w->next;
		if (v->dead) {
			w->result = -ENODEV;
		} else {
			w->result = 1;
			w->count = v->count;
			v->count = 0;
		}
		if (!w->registering)
			ap_irq_finish(w);
	}
}

/* Forget vector @v (locked): its readers get ENODEV. */
static void ap_vec_kill(struct ap_vec *v)
{
	v->dead = true;
	if (v->fd >= 0) {
		if (ap_irq_epoll >= 0)
			epoll_ctl(ap_irq_epoll, EPOLL_CTL_DEL, v->fd, NULL);
		close(v->fd);
		v->fd = -1;
	}
	ap_vec_serve(v);
	ap_vec_notify(v);
	ap_vec_put(v);
}

/* Add what @v's descriptor counted to its count (locked). */
static void ap_vec_drain(struct ap_fs *fs, struct ap_vec *v)
{
	int ret;

	if (v->dead)
		return;
	ret = fs->be->ops->irq_read(fs->be, v->fd, &v->count);
	if (ret < 0) {
		fuse_log(FUSE_LOG_WARNING, "aperturefs: %s irq/%s: %s: the "
			 "vector is gone\n", v->slot, v->name, strerror(-ret));
		v->dead = true;
		/* The function keeps its reference until the mode changes. */
		v->refs++;
		ap_vec_kill(v);
	}
}

void ap_own_kill_vecs(struct ap_own *o)
{
	for (uint32_t i = 0; i < o->nvec; i++)
		ap_vec_kill(o->vecs[i]);
	free(o->vecs);
	o->vecs = NULL;
	o->nvec = 0;
	o->irq_type = APERTURE_IO_IRQ_NONE;
}

int ap_own_show_vecs(struct ap_fs *fs, struct ap_own *o, uint32_t type,
		     uint32_t count)
{
	struct aperture_io_irq q;
	struct epoll_event ev;
	struct ap_vec *v;
	int ret;

	o->vecs = calloc(count ? count : 1, sizeof(*o->vecs));
	if (!o->vecs)
		return -ENOMEM;
	o->irq_type = type;
	for (o->nvec = 0; o->nvec < count; o->nvec++) {
		memset(&q, 0, sizeof(q));
		q.type = type;
		q.vector = o->nvec;
		v = calloc(1, sizeof(*v));
		ret = v ? ap_backend_own(fs->be, &o->func, APERTURE_IO_IRQ_OPEN,
					 &q, sizeof(q)) : -ENOMEM;
		if (ret < 0) {
			free(v);
			fuse_log(FUSE_LOG_WARNING, "aperturefs: %s irq: cannot "
				 "open vector %u: %s\n", o->func.slot, o->nvec,
				 strerror(-ret));
			ap_own_kill_vecs(o);
			return ret;
		}
		fcntl(q.fd, F_SETFL, fcntl(q.fd, F_GETFL) | O_NONBLOCK);
		v->fd = q.fd;
		v->id = ++ap_vec_ids;
		v->refs = 1;
		snprintf(v->slot, sizeof(v->slot), "%s", o->func.slot);
		ap_vec_name(type, o->nvec, v->name, sizeof(v->name));
		v->next = ap_vecs;
		ap_vecs = v;
		o->vecs[o->nvec] = v;
		ev.events = EPOLLIN;
		ev.data.u64 = v->id;
		if (ap_irq_epoll >= 0)
			epoll_ctl(ap_irq_epoll, EPOLL_CTL_ADD, v->fd, &ev);
	}
	return 0;
}

int ap_own_set_mode(struct ap_fs *fs, struct ap_own *o, uint32_t type,
		    uint32_t count)
{
	struct aperture_io_irq q;
	char mode[32];
	int ret;

	/* The same again keeps the vectors (and their open files). */
	if (type == o->irq_type && count == o->nvec)
		return 0;
	ap_own_kill_vecs(o);
	memset(&q, 0, sizeof(q));
	q.type = type;
	q.count = count;
	ret = ap_backend_own(fs->be, &o->func, APERTURE_IO_IRQ_SET, &q,
			     sizeof(q));
	ap_irq_mode_text(type, count, mode, sizeof(mode));
	if (ret < 0) {
		fuse_log(FUSE_LOG_WARNING, "aperturefs: %s irq/mode: '%s' "
			 "refused: %s\n", o->func.slot, mode, strerror(-ret));
		return ret;
	}
	return ap_own_show_vecs(fs, o, type, q.count);
}

/* The kernel interrupted a blocked read (the reader got a signal). */
static void ap_irq_interrupted(fuse_req_t req, void *data)
{
	struct ap_irq_waiter **p;

	pthread_mutex_lock(&ap_own_lock);
	for (struct ap_vec *v = ap_vecs; v; v = v->next) {
		for (p = &v->waiters; *p && (*p)->req != req; p = &(*p)->next)
			;
		if (*p) {
			struct ap_irq_waiter *w = *p;

			*p = w->next;
			w->result = -EINTR;
			if (!w->registering)
				ap_irq_finish(w);
			break;
		}
	}
	pthread_mutex_unlock(&ap_own_lock);
}

void ap_vec_read(fuse_req_t req, struct ap_own_file *f, size_t size,
		 struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_vec *v = f->n.vec;
	struct ap_irq_waiter *w, **p;
	uint64_t c;

	if (size < sizeof(uint64_t)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	pthread_mutex_lock(&ap_own_lock);
	ap_vec_drain(fs, v);
	if (v->dead) {
		fuse_reply_err(req, ENODEV);
	} else if (v->count) {
		c = v->count;
		v->count = 0;
		if (fuse_reply_buf(req, (const char *)&c, sizeof(c)) < 0)
			v->count += c;
	} else if (fi->flags & O_NONBLOCK) {
		fuse_reply_err(req, EAGAIN);
	} else if (!(w = calloc(1, sizeof(*w)))) {
		fuse_reply_err(req, ENOMEM);
	} else {
		w->req = req;
		w->vec = v;
		w->registering = true;
		v->refs++;
		for (p = &v->waiters; *p; p = &(*p)->next)
			;
		*p = w;
		pthread_mutex_unlock(&ap_own_lock);
		fuse_req_interrupt_func(req, ap_irq_interrupted, NULL);
		pthread_mutex_lock(&ap_own_lock);
		w->registering = false;
		if (w->result)
			ap_irq_finish(w);
	}
	pthread_mutex_unlock(&ap_own_lock);
}

void ap_vec_write(fuse_req_t req, struct ap_own_file *f, const char *buf,
		  size_t size)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_vec *v = f->n.vec;
	uint64_t val;
	int ret;

	if (size != sizeof(val)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memcpy(&val, buf, sizeof(val));
	pthread_mutex_lock(&ap_own_lock);
	ret = v->dead ? -ENODEV : fs->be->ops->irq_write(fs->be, v->fd, val);
	pthread_mutex_unlock(&ap_own_lock);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_write(req, size);
}

void ap_vec_release(struct ap_own_file *f)
{
	struct ap_vec *v = f->n.vec;
	struct ap_own_file **p;

	for (p = &v->files; *p && *p != f; p = &(*p)->vnext)
		;
	if (*p)
		*p = f->vnext;
	if (f->ph)
		fuse_pollhandle_destroy(f->ph);
	f->ph = NULL;
	ap_vec_put(v);
}

void ap_own_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		 struct fuse_pollhandle *ph)
{
	struct ap_own_file *f = (struct ap_own_file *)(uintptr_t)fi->fh;
	unsigned int ev = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	struct ap_vec *v;

	if (!ap_own_ino(ino) || f->n.kind != AP_OWN_VEC) {
		/* Every other file is always ready, as a regular file. */
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, ev);
		return;
	}
	v = f->n.vec;
	pthread_mutex_lock(&ap_own_lock);
	ap_vec_drain(ap_fs_of(req), v);
	if (v->dead)
		ev = POLLIN | POLLRDNORM | POLLERR;
	else
		ev = POLLOUT | POLLWRNORM |
		     (v->count ? POLLIN | POLLRDNORM : 0);
	if (ph) {
		if (f->ph)
			fuse_pollhandle_destroy(f->ph);
		f->ph = ph;
	}
	fuse_reply_poll(req, ev);
	pthread_mutex_unlock(&ap_own_lock);
}

static void *ap_irq_main(void *arg)
{
	struct epoll_event ev[16];
	struct ap_vec *v;
	int n;

	for (;;) {
		n = epoll_wait(ap_irq_epoll, ev, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		pthread_mutex_lock(&ap_own_lock);
		for (int i = 0; i < n; i++) {
			if (!ev[i].data.u64) {
				pthread_mutex_unlock(&ap_own_lock);
				return NULL;
			}
			for (v = ap_vecs; v && v->id != ev[i].data.u64;
			     v = v->next)
				;
			if (!v || v->dead)
				continue;
			ap_vec_drain(ap_irq_fs, v);
			ap_vec_serve(v);
			if (v->count)
				ap_vec_notify(v);
		}
		pthread_mutex_unlock(&ap_own_lock);
	}
}

int ap_own_start(struct ap_fs *fs)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
	int ret;

	ap_irq_fs = fs;
	ap_irq_epoll = epoll_create1(EPOLL_CLOEXEC);
	if (ap_irq_epoll < 0 || pipe2(ap_irq_stop, O_CLOEXEC) < 0 ||
	    epoll_ctl(ap_irq_epoll, EPOLL_CTL_ADD, ap_irq_stop[0], &ev) < 0)
		return -errno;
	ret = pthread_create(&ap_irq_thread, NULL, ap_irq_main, NULL);
	if (ret)
		return -ret;
	ap_irq_running = true;
	return 0;
}

void ap_own_stop(struct ap_fs *fs)
{
	if (ap_irq_running) {
		if (write(ap_irq_stop[1], "x", 1) < 0)
			pthread_cancel(ap_irq_thread);
		pthread_join(ap_irq_thread, NULL);
		ap_irq_running = false;
	}
	pthread_mutex_lock(&ap_own_lock);
	ap_own_drop_all();
	pthread_mutex_unlock(&ap_own_lock);
	for (int i = 0; i < 2; i++)
		if (ap_irq_stop[i] >= 0)
			close(ap_irq_stop[i]);
	if (ap_irq_epoll >= 0)
		close(ap_irq_epoll);
	ap_irq_epoll = -1;
}
