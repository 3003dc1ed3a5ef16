/*
 * check_module_ends.c - aperture_io through its ABI, in a guest of
 * tests/vm/run (each kernel): the edges of what a user can do.
 *
 *   ends       reads and writes at and across the end, lseek, readv, the
 *              descriptor as a file
 *   vga        the framebuffer through a write-combining mapping
 *   ioport     pci-testdev's I/O BAR
 *   errors     every refusal with its errno
 *   klog       no oops or warning in the kernel log afterwards
 *
 * Run: tests/vm/run --no-mount -- '$B/tests/vm/check_module_ends'
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

#define MIB (1u << 20)
/* ------------------------------------------------------------------ */
/* ends, lseek, descriptor properties                                  */
/* ------------------------------------------------------------------ */

START_TEST(ends)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	int fd = mu_open(&shm, 2, 0, NULL);
	uint8_t b[64] = { 0 };

	/* Reads: at or past the end 0, across it short. */
	ck_assert_int_eq(pread(fd, b, 16, MIB), 0);
	ck_assert_int_eq(pread(fd, b, 16, MIB + 4096), 0);
	ck_assert_int_eq(pread(fd, b, 16, MIB - 5), 5);
	/* Writes: at or past the end ENOSPC, across it short. */
	errno = 0;
	ck_assert_int_eq(pwrite(fd, b, 16, MIB), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(pwrite(fd, b, 16, (off_t)1 << 40), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(pwrite(fd, b, 16, MIB - 3), 3);
	/* Zero-length transfers do nothing, anywhere. */
	ck_assert_int_eq(pread(fd, b, 0, MIB * 2), 0);
	ck_assert_int_eq(pwrite(fd, b, 0, 0), 0);
	/* Negative offsets. */
	ck_assert_int_eq(pread(fd, b, 4, -4), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
}
END_TEST

START_TEST(lseek_inside)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	int fd = mu_open(&shm, 2, 0, NULL), host = mu_host_shm();
	uint8_t b[8], want[8];

	ck_assert_int_eq(lseek(fd, 0, SEEK_END), MIB);
	ck_assert_int_eq(lseek(fd, -8, SEEK_END), MIB - 8);
	ck_assert_int_eq(lseek(fd, -8, SEEK_CUR), MIB - 16);
	ck_assert_int_eq(lseek(fd, 100, SEEK_SET), 100);
	errno = 0;
	ck_assert_int_eq(lseek(fd, MIB + 1, SEEK_SET), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(lseek(fd, -1, SEEK_SET), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(lseek(fd, 1, SEEK_END), -1);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 100);
	/* read and write advance the position by what they did. */
	mu_random(want, 8, 7);
	mu_pwrite_all(host, want, 8, 100);
	ck_assert_int_eq(read(fd, b, 8), 8);
	ck_assert(!memcmp(b, want, 8));
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 108);
	ck_assert_int_eq(lseek(fd, -4, SEEK_END), MIB - 4);
	ck_assert_int_eq(write(fd, b, 8), 4);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), MIB);
	ck_assert_int_eq(read(fd, b, 8), 0);
	close(host);
	close(fd);
}
END_TEST

START_TEST(descriptor_file)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	struct aperture_io_bar a;
	int fd = mu_open(&shm, 2, 0, NULL), ro, fl;
	struct stat st;
	uint8_t b[4] = { 0 };

	/* A regular file of the BAR's size, close-on-exec, O_DIRECT-able. */
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, MIB);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	fl = fcntl(fd, F_GETFL);
	ck_assert_int_eq(fl & O_ACCMODE, O_RDWR);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl | O_DIRECT), 0);
	ck_assert_int_eq(pread(fd, b, 4, 0), 4);
	/* INFO on the descriptor describes its BAR. */
	memset(&a, 0, sizeof(a));
	a.argsz = sizeof(a);
	ck_assert_int_eq(ioctl(fd, APERTURE_IO_INFO, &a), 0);
	ck_assert_uint_eq(a.size, MIB);
	ck_assert_uint_eq(a.bar, 2);
	ck_assert_uint_eq(a.devfn, shm.devfn);
	ck_assert_uint_eq(a.bar_flags & APERTURE_IO_BAR_PREFETCH,
			  APERTURE_IO_BAR_PREFETCH);
	/*
	 * Opened again by path, as FUSE passthrough opens a backing file:
	 * same BAR, same policy, independent of the first descriptor.
	 */
	{
		char path[64];
		uint32_t host_v = 0x5eed1234u, v = 0;
		int again, host = mu_host_shm();

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		again = open(path, O_RDWR | O_CLOEXEC);
		ck_assert_msg(again >= 0, "reopen %s: %s", path, strerror(errno));
		mu_pwrite_all(host, &host_v, 4, 0x40);
		close(fd);
		ck_assert_int_eq(pread(again, &v, 4, 0x40), 4);
		ck_assert_uint_eq(v, host_v);
		ck_assert_int_eq(fcntl(again, F_SETFL, O_DIRECT), 0);
		memset(&a, 0, sizeof(a));
		a.argsz = sizeof(a);
		ck_assert_int_eq(ioctl(again, APERTURE_IO_INFO, &a), 0);
		ck_assert_uint_eq(a.width, APERTURE_IO_WIDTH_AUTO);
		fd = again;
		close(host);
	}
	/* Other ioctls on it: ENOTTY. */
	errno = 0;
	ck_assert_int_eq(ioctl(fd, APERTURE_IO_OPEN, &a), -1);
	ck_assert_int_eq(errno, ENOTTY);
	close(fd);

	/* Read-only descriptors refuse writes and writable mappings. */
	ro = mu_open(&shm, 2, APERTURE_IO_OPEN_RDONLY, NULL);
	ck_assert_int_eq(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	ck_assert_int_eq(pread(ro, b, 4, 0), 4);
	ck_assert_int_eq(pwrite(ro, b, 4, 0), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) ==
		  MAP_FAILED);
	ck_assert_int_eq(errno, EACCES);
	close(ro);
}
END_TEST

/* ------------------------------------------------------------------ */
/* VGA framebuffer through a write-combining mapping                   */
/* ------------------------------------------------------------------ */

START_TEST(vga_framebuffer_wc)
{
	struct mu_dev vga = mu_find(VGA_ID);
	struct aperture_io_bar a;
	int fd = mu_open(&vga, 0, 0, &a), regs;
	const size_t fb = 640 * 480 * 4;
	uint32_t *map, *back = malloc(fb);
	uint16_t v;
	size_t i;
	long d;

	ck_assert_uint_eq(a.size, 16 * MIB);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
	ck_assert(a.bar_flags & APERTURE_IO_BAR_PREFETCH);
	map = mmap(NULL, fb, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_msg(map != MAP_FAILED, "mmap: %s", strerror(errno));
	/* A 640x480 picture: gradient with a white frame. */
	for (i = 0; i < fb / 4; i++) {
		unsigned int x = i % 640, y = (unsigned int)(i / 640);

		map[i] = (x < 4 || y < 4 || x >= 636 || y >= 476) ?
			0x00ffffff : (x * 255 / 640) << 16 | (y * 255 / 480) << 8 | 0x40;
	}
	/* The descriptor reads what the mapping wrote. */
	mu_pread_all(fd, back, fb, 0);
	d = mu_diff(map, back, fb);
	ck_assert_msg(d < 0, "framebuffer differs at %ld", d);
	ck_assert_uint_eq(back[0], 0x00ffffff);
	ck_assert_uint_eq(back[240 * 640 + 320], (320u * 255 / 640) << 16 |
			  (240u * 255 / 480) << 8 | 0x40);

	/* Bochs DISPI registers in BAR2 (16-bit): 640x480x32, linear fb. */
	regs = mu_open(&vga, 2, APERTURE_IO_WIDTH_16, NULL);
	{
		static const uint16_t mode[][2] = {
			{ 4, 0 }, { 1, 640 }, { 2, 480 }, { 3, 32 },
			{ 6, 640 }, { 7, 480 }, { 8, 0 }, { 9, 0 },
			{ 4, 0x41 },
		};
		uint8_t b;

		for (i = 0; i < sizeof(mode) / sizeof(mode[0]); i++) {
			v = mode[i][1];
			ck_assert_int_eq(pwrite(regs, &v, 2,
						0x500 + 2 * mode[i][0]), 2);
		}
		ck_assert_int_eq(pread(regs, &v, 2, 0x500 + 2 * 1), 2);
		ck_assert_uint_eq(v, 640);
		close(regs);
		/* Un-blank through the mirrored VGA ports (8-bit). */
		regs = mu_open(&vga, 2, APERTURE_IO_WIDTH_8, NULL);
		ck_assert_int_eq(pread(regs, &b, 1, 0x41a), 1);
		b = 0x20;
		ck_assert_int_eq(pwrite(regs, &b, 1, 0x400), 1);
		close(regs);
	}
	/* tests/vm/screendump can now show the picture from the host. */
	if (getenv("APERTURE_SCREENDUMP"))
		ck_assert_int_eq(system("$APERTURE_SRC/tests/vm/screendump "
					"module-vga.png"), 0);
	munmap(map, fb);
	free(back);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* pci-testdev's I/O-port BAR                                          */
/* ------------------------------------------------------------------ */

START_TEST(ioport_testdev)
{
	struct mu_dev td = mu_find(TESTDEV_ID);
	struct aperture_io_bar a;
	int fd = mu_open(&td, 1, 0, &a);
	char name[32] = { 0 };
	uint8_t b;
	uint32_t v;

	ck_assert_uint_eq(a.bar_flags, APERTURE_IO_BAR_IO);
	ck_assert_uint_eq(a.memtype, 0);
	ck_assert_uint_eq(a.size, 256);
	ck_assert_uint_eq(a.width, APERTURE_IO_WIDTH_AUTO);
	/* Start test 0 of the port BAR: "portio-no-eventfd". */
	b = 0;
	ck_assert_int_eq(pwrite(fd, &b, 1, 0), 1);
	ck_assert_int_eq(pread(fd, name, 17, 16), 17);
	ck_assert_str_eq(name, "portio-no-eventfd");
	/* Its header: width 1, the test offset (128 + 3), data 0xfa. */
	ck_assert_int_eq(pread(fd, &b, 1, 1), 1);
	ck_assert_uint_eq(b, 1);
	v = mu_rd32(fd, 4);
	ck_assert_uint_eq(v, 131);
	ck_assert_int_eq(pread(fd, &b, 1, 8), 1);
	ck_assert_uint_eq(b, 0xfa);
	/* Byte writes of the data at the offset count, others do not. */
	ck_assert_uint_eq(mu_rd32(fd, 12), 0);
	b = 0xfa;
	ck_assert_int_eq(pwrite(fd, &b, 1, 131), 1);
	ck_assert_int_eq(pwrite(fd, &b, 1, 131), 1);
	b = 0x01;
	ck_assert_int_eq(pwrite(fd, &b, 1, 131), 1);
	ck_assert_uint_eq(mu_rd32(fd, 12), 2);
	/* No mapping of ports. */
	errno = 0;
	ck_assert(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	ck_assert_int_eq(errno, ENODEV);
	/* No 64-bit port access, no memory type. */
	ck_assert_int_eq(mu_try_open(&td, 1, APERTURE_IO_WIDTH_64, NULL),
			 -EINVAL);
	ck_assert_int_eq(mu_try_open(&td, 1, APERTURE_IO_MEMTYPE_WC, NULL),
			 -EINVAL);
	close(fd);

	/* The memory BAR of the same device, mmio test 0. */
	fd = mu_open(&td, 0, 0, &a);
	ck_assert_uint_eq(a.bar_flags, APERTURE_IO_BAR_MEM);
	b = 0;
	ck_assert_int_eq(pwrite(fd, &b, 1, 0), 1);
	memset(name, 0, sizeof(name));
	ck_assert_int_eq(pread(fd, name, 15, 16), 15);
	ck_assert_str_eq(name, "mmio-no-eventfd");
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* errors                                                              */
/* ------------------------------------------------------------------ */

static void drop_rawio_and_open(void *arg)
{
	const struct mu_dev *d = arg;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	int ret;

	if (syscall(SYS_capget, &hdr, data))
		_exit(10);
	data[CAP_SYS_RAWIO / 32].effective &= ~(1u << (CAP_SYS_RAWIO % 32));
	data[CAP_SYS_RAWIO / 32].permitted &= ~(1u << (CAP_SYS_RAWIO % 32));
	if (syscall(SYS_capset, &hdr, data))
		_exit(11);
	ret = mu_try_open(d, 0, 0, NULL);
	_exit(ret == -EPERM ? 0 : 12);
}

START_TEST(errors_eperm_without_rawio)
{
	struct mu_dev edu = mu_find(EDU_ID);

	ck_assert_int_eq(mu_in_child(drop_rawio_and_open, &edu), 0);
}
END_TEST

START_TEST(errors_open_args)
{
	struct mu_dev edu = mu_find(EDU_ID), shm = mu_find(IVSHMEM_ID);
	struct mu_dev none = edu;
	struct aperture_io_bar a;
	unsigned int bar;
	int ctl = mu_ctl();
	struct {
		struct aperture_io_bar bar;
		uint8_t tail[8];
	} big;

	/* BAR indexes: 6..255 EINVAL, unimplemented ones ENODEV. */
	for (bar = 6; bar < 256; bar++)
		ck_assert_int_eq(mu_try_open(&edu, bar, 0, NULL), -EINVAL);
	for (bar = 1; bar < 6; bar++)
		ck_assert_int_eq(mu_try_open(&edu, bar, 0, NULL), -ENODEV);
	/* The upper half of ivshmem's 64-bit BAR2 is no BAR. */
	ck_assert_int_eq(mu_try_open(&shm, 3, 0, NULL), -ENODEV);
	/* Absent functions. */
	none.devfn = (uint8_t)(31 << 3 | 7);
	ck_assert_int_eq(mu_try_open(&none, 0, 0, NULL), -ENODEV);
	none = edu;
	none.bus = 0xfe;
	ck_assert_int_eq(mu_try_open(&none, 0, 0, NULL), -ENODEV);
	none = edu;
	none.domain = 0x7777;
	ck_assert_int_eq(mu_try_open(&none, 0, 0, NULL), -ENODEV);
	none.domain = 0xffffffffu;
	ck_assert_int_eq(mu_try_open(&none, 0, 0, NULL), -ENODEV);

	/* Flags: unknown bits, width 5..15, memtype 0x30. */
	ck_assert_int_eq(mu_try_open(&edu, 0, 0x80000000u, NULL), -EINVAL);
	ck_assert_int_eq(mu_try_open(&edu, 0, 0x40, NULL), -EINVAL);
	for (bar = 5; bar < 16; bar++)
		ck_assert_int_eq(mu_try_open(&edu, 0, bar, NULL), -EINVAL);
	ck_assert_int_eq(mu_try_open(&edu, 0, 0x30, NULL), -EINVAL);

	/* argsz: too small, absurd; a bigger struct with a zero tail is
	 * fine, a non-zero tail is not (an extension this module lacks). */
	a = mu_arg(&edu, 0, 0);
	a.argsz = sizeof(a) - 1;
	errno = 0;
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_OPEN, &a), -1);
	ck_assert_int_eq(errno, EINVAL);
	a.argsz = 0;
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &a), -1);
	ck_assert_int_eq(errno, EINVAL);
	a.argsz = 1u << 30;
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &a), -1);
	ck_assert_int_eq(errno, EINVAL);
	memset(&big, 0, sizeof(big));
	big.bar = mu_arg(&edu, 0, 0);
	big.bar.argsz = sizeof(big);
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &big), 0);
	ck_assert_uint_eq(big.bar.size, MIB);
	big.tail[3] = 1;
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &big), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* Reserved fields. */
	a = mu_arg(&edu, 0, 0);
	a.reserved0 = 1;
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_OPEN, &a), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* Bad pointers. */
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_OPEN, NULL), -1);
	ck_assert_int_eq(errno, EFAULT);
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, (void *)16), -1);
	ck_assert_int_eq(errno, EFAULT);
	/* Unknown ioctls. */
	ck_assert_int_eq(ioctl(ctl, _IO(APERTURE_IO_TYPE, 0x7f)), -1);
	ck_assert_int_eq(errno, ENOTTY);
	ck_assert_int_eq(ioctl(ctl, _IOWR(APERTURE_IO_TYPE, 0x00, uint32_t), &a),
			 -1);
	ck_assert_int_eq(errno, ENOTTY);
	ck_assert_int_eq(ioctl(ctl, 0x5401 /* TCGETS */, &a), -1);
	ck_assert_int_eq(errno, ENOTTY);
	/* INFO: describes, opens nothing. */
	a = mu_arg(&edu, 0, 0);
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &a), 0);
	ck_assert_int_eq(a.fd, -1);
	ck_assert_uint_eq(a.size, MIB);
	ck_assert_uint_eq(a.width, APERTURE_IO_WIDTH_32);
	close(ctl);
}
END_TEST

START_TEST(errors_mmap)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID), edu = mu_find(EDU_ID);
	int fd = mu_open(&shm, 2, 0, NULL), reg;
	void *m;

	errno = 0;
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ck_assert(m == MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	/* Past the end, straddling it, offsets that overflow. */
	ck_assert(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, MIB) == MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert(mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, MIB - 4096) ==
		  MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert(mmap(NULL, 2 * MIB, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
		 (off_t)0x7ffffffffffff000ll);
	ck_assert(m == MAP_FAILED);
	/* The last page exactly is fine. */
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, MIB - 4096);
	ck_assert(m != MAP_FAILED);
	munmap(m, 4096);
	close(fd);

	/* A register BAR maps too, uncached: edu's identity through it. */
	reg = mu_open(&edu, 0, 0, NULL);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, reg, 0);
	ck_assert(m != MAP_FAILED);
	ck_assert_uint_eq(*(volatile uint32_t *)m, 0x010000ed);
	munmap(m, 4096);
	close(reg);
}
END_TEST

/* ------------------------------------------------------------------ */
/* kernel log                                                          */
/* ------------------------------------------------------------------ */

START_TEST(klog_clean)
{
	char line[512];

	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

Suite *module_ends_suite(void);

Suite *module_ends_suite(void)
{
	Suite *s = suite_create("module_ends");
	TCase *tc;

	tc = tcase_create("ends");
	tcase_add_test(tc, ends);
	tcase_add_test(tc, lseek_inside);
	tcase_add_test(tc, descriptor_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("vga");
	tcase_add_test(tc, vga_framebuffer_wc);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("ioport");
	tcase_add_test(tc, ioport_testdev);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, errors_eperm_without_rawio);
	tcase_add_test(tc, errors_open_args);
	tcase_add_test(tc, errors_mmap);
	suite_add_tcase(s, tc);

	tc = tcase_create("klog");
	tcase_add_test(tc, klog_clean);
	suite_add_tcase(s, tc);
	return s;
}
