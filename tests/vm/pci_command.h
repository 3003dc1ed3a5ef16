/*
 * pci_command.h - reads, sets or clears PCI_COMMAND bits of a function
 * through its sysfs config file, as `setpci -s SLOT COMMAND=...` does
 * (guest suites that turn decoding off and on).
 */
#ifndef PCI_COMMAND_H
#define PCI_COMMAND_H

#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* slot's PCI_COMMAND now, or 0xffff if its config cannot be read. */
static inline unsigned int pci_command_read(const char *slot)
{
	char path[160];
	uint16_t cmd = 0xffff;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", slot);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (pread(fd, &cmd, 2, 4) != 2)
			cmd = 0xffff;
		close(fd);
	}
	return cmd;
}

/* Sets (on) or clears the bits of mask in slot's PCI_COMMAND. */
static inline void pci_command_bits(const char *slot, uint16_t mask, bool on)
{
	char path[160];
	uint16_t cmd = 0;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", slot);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &cmd, 2, 4), 2);
	cmd = on ? cmd | mask : cmd & ~mask;
	ck_assert_int_eq(pwrite(fd, &cmd, 2, 4), 2);
	close(fd);
}

#endif /* PCI_COMMAND_H */
