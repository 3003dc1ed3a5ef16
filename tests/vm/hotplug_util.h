/*
 * hotplug_util.h - hot-plug steps of the guest suites, without a shell:
 * QMP commands to this guest's QEMU (through tests/vm/qmp-relay on the
 * host), and the function's comings and goings in sysfs (PCI_COMMAND:
 * pci_command.h).
 */
#ifndef APERTURE_HOTPLUG_UTIL_H
#define APERTURE_HOTPLUG_UTIL_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module_util.h"

/*
 * Has the host send one QMP command to this guest's QEMU, as tests/vm/qmp
 * does (a request file in $APERTURE_HOST/qmp, tests/vm/qmp-relay's answer
 * beside it), but without a shell: under TCG, with the workers busy, the
 * script's processes cost seconds per command.  0 if QEMU said "return",
 * -EEXIST if the device id is still taken, -EAGAIN if the relay got no
 * reply (tests/vm/qmp-client failed), -1 on another error (said on
 * stderr unless quiet).
 */
static inline int hu_qmp_ask(const char *json, int quiet)
{
	const char *host = getenv("APERTURE_HOST");
	static int seq;
	char base[256], tmp[300], req[300], resp[300], reply[512];
	double deadline = mu_now() + 30;
	ssize_t n;
	int fd;

	if (!host || !*host)
		return -1;
	snprintf(base, sizeof(base), "%s/qmp/hu.%d.%d", host,
		 (int)getpid(), seq++);
	snprintf(tmp, sizeof(tmp), "%s.tmp", base);
	snprintf(req, sizeof(req), "%s.req", base);
	snprintf(resp, sizeof(resp), "%s.resp", base);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	n = write(fd, json, strlen(json));
	if (close(fd) || n != (ssize_t)strlen(json) || rename(tmp, req))
		return -1;
	while ((fd = open(resp, O_RDONLY | O_CLOEXEC)) < 0) {
		if (mu_now() > deadline)
			return -1;
		usleep(5000);
	}
	n = read(fd, reply, sizeof(reply) - 1);
	close(fd);
	unlink(resp);
	if (n < 0)
		return -1;
	reply[n] = 0;
	if (!n)
		return -EAGAIN;	/* the relay got no reply from QEMU */
	if (strstr(reply, "Duplicate device ID"))
		return -EEXIST;
	if (quiet && strncmp(reply, "{\"return\"", 9))
		return -1;
	if (strncmp(reply, "{\"return\"", 9)) {
		fprintf(stderr, "QMP %s: %s\n", json, reply);
		return -1;
	}
	return 0;
}

/* Whether QEMU has a device of this id: 0 yes, -1 no (quiet). */
static inline int hu_qemu_has(const char *id, int quiet)
{
	char json[256];

	snprintf(json, sizeof(json), "{\"execute\":\"qom-get\",\"arguments\":"
		 "{\"path\":\"/machine/peripheral/%s\",\"property\":"
		 "\"type\"}}", id);
	return hu_qmp_ask(json, quiet) ? -1 : 0;
}

/* Waits up to 30 s until QEMU has let the removed device id go. */
static inline void hu_wait_qemu_gone(const char *id)
{
	double deadline = mu_now() + 30;

	while (hu_qemu_has(id, 1) == 0) {
		ck_assert_msg(mu_now() < deadline,
			      "QEMU still has %s 30 s after its removal", id);
		usleep(50000);
	}
}

static inline int hu_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* Waits up to secs until sysfs has the function (present) or not: 0, -1. */
static inline int hu_try_wait_sysfs(const struct mu_dev *d, int present,
				    double secs)
{
	double deadline = mu_now() + secs;
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", d->name);
	while ((access(path, F_OK) == 0) != present) {
		if (mu_now() > deadline)
			return -1;
		usleep(50000);
	}
	return 0;
}

/* Waits up to 30 s until sysfs has the function (present) or not. */
static inline void hu_wait_sysfs(const struct mu_dev *d, int present)
{
	ck_assert_msg(!hu_try_wait_sysfs(d, present, 30), "%s %s after 30 s",
		      d->name, present ? "still absent" : "still there");
}

/*
 * Waits up to 30 s until the kernel has finished adding the function d:
 * its /proc/bus/pci entry, made by pci_bus_add_device() after the
 * function's resources were assigned and its BARs written, where a driver
 * would be bound (and turn decoding on).  It is in sysfs from
 * pci_device_add() on, before that.
 */
static inline void hu_wait_added(const struct mu_dev *d)
{
	double deadline = mu_now() + 30;
	const char *bdf = d->name;
	char path[160];

	/*
	 * "0000:01:00.0" is 01/00.0 there; other domains keep theirs, and
	 * arm64 keeps every domain (its pci_proc_domain() is 1): 0000:01.
	 */
	if (!strncmp(bdf, "0000:", 5) && !mu_arch_arm64())
		bdf += 5;
	snprintf(path, sizeof(path), "/proc/bus/pci/%.*s/%s",
		 (int)(strrchr(bdf, ':') - bdf), bdf, strrchr(bdf, ':') + 1);
	while (access(path, F_OK)) {
		ck_assert_msg(mu_now() < deadline, "no %s 30 s after %s came",
			      path, d->name);
		usleep(20000);
	}
}

#endif
