// SPDX-License-Identifier: MIT
/*
 * irq.c - waiting for an interrupt of an owned function: one read of its
 * vector file <fn>/irq/<vector> (docs/dma-irq.md), which the daemon
 * answers with the count of interrupts since the last read.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static long long apl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

int aperture_irq_wait(struct aperture *ap, const char *vector,
		      unsigned int timeout_ms, uint64_t *count)
{
	char path[APERTURE_PATH_MAX + 64];
	long long end = apl_now_ms() + timeout_ms, left;
	struct pollfd p;
	uint64_t c;
	ssize_t n;
	int fd, ret;

	if (!vector || !*vector || strchr(vector, '/') ||
	    !strcmp(vector, "mode") || strlen(vector) > 32)
		return apl_fail(ap, -EINVAL, "irq/%s: not a vector name "
				"(intx, msiN, msixN)", vector ? vector : "");
	snprintf(path, sizeof(path), "%s/%s/irq/%s", ap->mount, ap->slot,
		 vector);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return apl_fail(ap, ret, "irq/%s: %s%s", vector,
				strerror(-ret), ret == -ENOENT ?
				" (not owned, or the vector is not enabled: "
				"see irq/mode)" : "");
	}
	for (;;) {
		n = read(fd, &c, sizeof(c));
		if (n == sizeof(c)) {
			if (count)
				*count = c;
			ret = 0;
			break;
		}
		if (n >= 0 || errno != EAGAIN) {
			ret = n < 0 ? -errno : -EIO;
			apl_fail(ap, ret, "irq/%s: read: %s", vector,
				 strerror(-ret));
			break;
		}
		left = end - apl_now_ms();
		if (left < 0) {
			ret = apl_fail(ap, -ETIMEDOUT, "irq/%s: no interrupt "
				       "within %u ms", vector, timeout_ms);
			break;
		}
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&p, 1, left) < 0 && errno != EINTR) {
			ret = apl_fail(ap, -errno, "irq/%s: poll: %s", vector,
				       strerror(errno));
			break;
		}
	}
	close(fd);
	return ret;
}
