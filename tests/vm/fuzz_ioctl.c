/*
 * fuzz_ioctl.c - fuzz_core.h as a program of its own, built static with
 * -m32 by tests/vm/build (build/host-tools/fuzz_ioctl32), so that
 * check_fuzz can make the same ioctls from a 32-bit process (the compat
 * path) and compare the digests.
 *
 *   fuzz_ioctl32 SEED COUNT FD... -- DOMAIN:BUS:DEVFN...
 *
 * FD... are descriptors it inherits, the control node first.  Prints
 * "calls C succeeded S opened O leaked L at I digest D" and exits 0, or 2
 * on bad arguments.
 */
#include "fuzz_core.h"

int main(int argc, char **argv)
{
	struct fz_cfg c;
	struct fz_stats st;
	int i = 3;
	unsigned int dom, bus, devfn;

	memset(&c, 0, sizeof(c));
	if (argc < 6)
		return 2;
	c.seed = strtoull(argv[1], NULL, 0);
	c.count = strtoul(argv[2], NULL, 0);
	for (; i < argc && strcmp(argv[i], "--") && c.nfds < FZ_MAX_FDS; i++)
		c.fds[c.nfds++] = atoi(argv[i]);
	for (i++; i < argc && c.ndevs < FZ_MAX_DEVS; i++) {
		if (sscanf(argv[i], "%x:%x:%x", &dom, &bus, &devfn) != 3)
			return 2;
		c.devs[c.ndevs].domain = dom;
		c.devs[c.ndevs].bus = (uint8_t)bus;
		c.devs[c.ndevs++].devfn = (uint8_t)devfn;
	}
	if (c.nfds < 2 || !c.ndevs || fz_run(&c, &st))
		return 2;
	printf("calls %lu succeeded %lu opened %lu leaked %lu at %lu digest %016llx\n",
	       st.calls, st.succeeded, st.opened, st.leaked, st.leak_at,
	       (unsigned long long)st.digest);
	return 0;
}
