/*
 * map-read.c - map a whole file MAP_SHARED and print its first 32-bit
 * word, or why the mapping failed (errno name): the smallest program that
 * maps a BAR file, for the trace test of tests/vm/check_aperture.c.
 *
 *	map-read FILE   ->  0x010000ed   or   mmap: ENODEV
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;
	void *p;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: map-read FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st)) {
		printf("open: %s\n", strerrorname_np(errno));
		return 1;
	}
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("mmap: %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("0x%08x\n", *(volatile uint32_t *)p);
	munmap(p, st.st_size);
	close(fd);
	return 0;
}
