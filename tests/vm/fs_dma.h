/*
 * fs_dma.h - the body of check_fs_dma.c and check_fs_dma_iommu.c: an
 * owned edu through the mount only (docs/dma-irq.md):
 * `aperture own` binds it to aperture_io; dma/ gets the mask of edu's
 * engine (28 bits, 32 on virt: APERTURE_EDU_DMA_BITS) and two buffers;
 * edu's DMA engine copies random bytes from one into its own buffer
 * (device address 0x40000) and back into the other, and the
 * completion interrupt is counted on irq/intx, then on irq/msi0, whose
 * poll wakes; edu's raise register (0x60) is seen by `aperture
 * wait-irq`; `aperture release` leaves edu unbound, and dma/ and irq/
 * gone.  Without an IOMMU, DMA is refused until the module's
 * allow_unsafe_noiommu_dma is set; with one (tests/vm/run --iommu), bus
 * addresses are the IOMMU's and the copy is exact all the same.
 *
 * An MSI is a memory write by the function: it needs bus mastering on,
 * and so, without an IOMMU, the opt-in, as DMA does.
 *
 * Transfers are 4000 bytes: Debian 12's QEMU 7.2 kills itself on a DMA
 * of exactly 4096 (docs/DESIGN "Facts found for wave 3").
 */
#ifndef FS_DMA_H
#define FS_DMA_H

#include <poll.h>

#include "fs_util.h"

/* check_fs_dma_iommu.c sets it: the guest must have an IOMMU. */
#ifndef FS_DMA_NEED_IOMMU
#define FS_DMA_NEED_IOMMU 0
#endif

#define AP	"$B/aperture"
#define DIR	FS_MNT "/" FS_EDU
#define PARAM	"/sys/module/aperture_io/parameters/allow_unsafe_noiommu_dma"
#define COUNT	4000		/* bytes per transfer */
#define EDU_BUF	0x40000		/* edu's own buffer, in its DMA space */

static char iommu[32];		/* info's dma.iommu */
static char param_was[8];	/* PARAM before the suite */

/* write(2) of @text to @path in one call: 0 or errno. */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = errno;
	close(fd);
	return err;
}

static char *text(const char *path)
{
	char *t = fs_slurp(path, 65536, NULL);

	ck_assert_msg(t, "%s: %s", path, strerror(errno));
	return t;
}

static void edu_write(uint32_t off, uint32_t v)
{
	int fd = open(DIR "/bar0", O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, &v, 4, off), 4);
	close(fd);
}

static uint32_t edu_read(uint32_t off)
{
	int fd = open(DIR "/bar0", O_RDONLY);
	uint32_t v = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 4, off), 4);
	close(fd);
	return v;
}

/* truncate -s @size dma/@name; its bus address. */
static uint64_t make_buf(const char *name, off_t size)
{
	int fd = open(fs_path(DIR "/dma/%s", name), O_WRONLY | O_CREAT, 0600);
	unsigned long long addr = 0;
	char *t;

	ck_assert_msg(fd >= 0, "create dma/%s: %s", name, strerror(errno));
	ck_assert_msg(ftruncate(fd, size) == 0, "truncate dma/%s: %s", name,
		      strerror(errno));
	close(fd);
	t = text(fs_path(DIR "/dma/%s.addr", name));
	ck_assert_int_eq(sscanf(t, "0x%llx\n", &addr), 1);
	free(t);
	return addr;
}

static void setup(void)
{
	char *info, *t;

	if (!fs_mounted(FS_MNT))
		ck_abort_msg(FS_MNT " is not mounted (run without --no-mount)");
	fs_expect("", AP " own " FS_EDU " 2>&1");
	info = text(DIR "/info");
	ck_assert_msg(strstr(info, "\nowner: aperture_io\n"), "%s", info);
	ck_assert(fs_info_get(info, "dma.iommu", iommu, sizeof(iommu)));
	free(info);
	t = text(PARAM);
	snprintf(param_was, sizeof(param_was), "%s", t);
	free(t);
	/* Without an IOMMU, DMA (an MSI too) needs the opt-in. */
	if (!strcmp(iommu, "none"))
		ck_assert_int_eq(put(PARAM, "Y\n"), 0);
}

static void teardown(void)
{
	put(DIR "/irq/mode", "off\n");
	unlink(DIR "/dma/src");
	unlink(DIR "/dma/dst");
	put(DIR "/dma/master", "0\n");
	put(PARAM, param_was);
	fs_expect("", AP " release " FS_EDU " 2>&1");
}

/* Without an IOMMU, DMA waits for the explicit opt-in; with one, not. */
START_TEST(dma_needs_iommu_or_opt_in)
{
	fprintf(stderr, "fs_dma: edu's dma.iommu: %s\n", iommu);
	if (FS_DMA_NEED_IOMMU)
		ck_assert_str_eq(iommu, "dma");
	ck_assert_int_eq(put(PARAM, "N\n"), 0);
	if (!strcmp(iommu, "none")) {
		ck_assert_int_eq(put(DIR "/dma/master", "1\n"), EPERM);
		ck_assert_int_eq(put(PARAM, "Y\n"), 0);
	} else {
		ck_assert_str_eq(iommu, "dma");
	}
	ck_assert_int_eq(put(DIR "/dma/master", "1\n"), 0);
	fs_expect("1\n", "cat " DIR "/dma/master");
}
END_TEST

/*
 * Wait for POLLIN on vector file @fd, then read its count.  The poll must
 * be woken by the interrupt: at the end of a wait the kernel asks once
 * more, and would find the count there without any wake-up.
 */
static uint64_t wait_vector(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double t0 = fs_now();
	uint64_t c = 0;

	ck_assert_msg(poll(&p, 1, 10000) == 1, "no interrupt within 10 s");
	ck_assert_msg(fs_now() - t0 < 8, "poll woke only after %.1f s",
		      fs_now() - t0);
	ck_assert(p.revents & POLLIN);
	ck_assert_int_eq(read(fd, &c, 8), 8);
	return c;
}

/* One edu DMA of COUNT bytes; @cmd_dir 0 RAM->edu, 2 edu->RAM. */
static void edu_dma(uint64_t src, uint64_t dst, uint32_t cmd_dir)
{
	edu_write(0x80, (uint32_t)src);
	edu_write(0x88, (uint32_t)dst);
	edu_write(0x90, COUNT);
	edu_write(0x98, 0x1 | cmd_dir | 0x4);	/* start, raise when done */
}

START_TEST(copy_there_and_back)
{
	unsigned char out[COUNT], back[COUNT];
	uint64_t src, dst, zero = 0;
	int fd, vfd;

	const char *bits = getenv("APERTURE_EDU_DMA_BITS");
	char mask[8];

	/* edu's engine as tests/vm/run made it: 28 bits, 32 on virt. */
	ck_assert_msg(bits && (!strcmp(bits, "28") || !strcmp(bits, "32")),
		      "APERTURE_EDU_DMA_BITS is '%s', not 28 or 32",
		      bits ? bits : "(unset)");
	snprintf(mask, sizeof(mask), "%s\n", bits);
	ck_assert_int_eq(put(DIR "/dma/mask", mask), 0);
	fs_expect(mask, "cat " DIR "/dma/mask");
	ck_assert_int_eq(put(DIR "/dma/master", "1\n"), 0);
	src = make_buf("src", 4096);
	dst = make_buf("dst", 4096);
	ck_assert_msg(src + 4096 <= (1ull << atoi(bits)) &&
		      dst + 4096 <= (1ull << atoi(bits)),
		      "0x%llx 0x%llx above the %s-bit mask",
		      (unsigned long long)src, (unsigned long long)dst, bits);
	ck_assert_uint_ne(src, dst);
	fs_expect("4096\n4096\n", "stat -c %%s " DIR "/dma/src " DIR
		  "/dma/dst");

	/* Random bytes into src, through its file. */
	fd = open("/dev/urandom", O_RDONLY);
	ck_assert_int_eq(read(fd, out, COUNT), COUNT);
	close(fd);
	fd = open(DIR "/dma/src", O_RDWR);
	ck_assert_int_eq(pwrite(fd, out, COUNT, 0), COUNT);
	close(fd);

	/* RAM -> edu, counted on INTx (masked when it fires). */
	ck_assert_int_eq(put(DIR "/irq/mode", "intx\n"), 0);
	fs_expect("intx\n", "cat " DIR "/irq/mode");
	vfd = open(DIR "/irq/intx", O_RDWR);
	ck_assert_int_ge(vfd, 0);
	edu_dma(src, EDU_BUF, 0);
	ck_assert_uint_ge(wait_vector(vfd), 1);
	ck_assert_uint_eq(edu_read(0x98) & 1, 0);	/* done */
	ck_assert_uint_eq(edu_read(0x24), 0x100);	/* DMA's interrupt */
	edu_write(0x64, 0x100);				/* acknowledge */
	ck_assert_int_eq(write(vfd, &zero, 8), 8);	/* unmask */
	close(vfd);

	/* edu -> RAM, counted on MSI, poll wakes. */
	ck_assert_int_eq(put(DIR "/irq/mode", "msi 1\n"), 0);
	fs_expect("mode msi0\n", "ls " DIR "/irq | xargs");
	vfd = open(DIR "/irq/msi0", O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(vfd, 0);
	ck_assert_int_eq(read(vfd, &zero, 8), -1);
	ck_assert_int_eq(errno, EAGAIN);
	edu_dma(EDU_BUF, dst, 2);
	ck_assert_uint_eq(wait_vector(vfd), 1);
	edu_write(0x64, 0x100);
	close(vfd);

	fd = open(DIR "/dma/dst", O_RDONLY);
	ck_assert_int_eq(pread(fd, back, COUNT, 0), COUNT);
	close(fd);
	ck_assert_msg(!memcmp(out, back, COUNT), "the bytes came back "
		      "changed");
}
END_TEST

START_TEST(raise_register)
{
	/* An MSI is a write by the function: bus mastering must be on. */
	ck_assert_int_eq(put(DIR "/dma/master", "1\n"), 0);
	ck_assert_int_eq(put(DIR "/irq/mode", "msi 1\n"), 0);
	/* Nothing yet. */
	fs_expect("124\n", AP " wait-irq -s " FS_EDU " -t 100ms msi0 "
		  "2>/dev/null; echo $?");
	edu_write(0x60, 0x1);
	fs_expect("1\n", AP " wait-irq " FS_EDU " msi0 -t 5s");
	ck_assert_uint_eq(edu_read(0x24), 0x1);
	edu_write(0x64, 0x1);
	ck_assert_uint_eq(edu_read(0x24), 0);
	/* Nothing more came. */
	fs_expect("124\n", AP " wait-irq " FS_EDU " msi0 -t 200ms 2>/dev/null;"
		  " echo $?");
}
END_TEST

START_TEST(release_leaves_it_unbound)
{
	struct stat st;

	ck_assert_int_eq(put(DIR "/irq/mode", "msi 1\n"), 0);
	make_buf("src", 4096);
	fs_expect("", AP " release " FS_EDU " 2>&1");
	ck_assert_int_eq(lstat(FS_SYSFS "/" FS_EDU "/driver", &st), -1);
	ck_assert_int_eq(stat(DIR "/dma", &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(stat(DIR "/irq", &st), -1);
	fs_expect("owner: none\n", "grep ^owner: " DIR "/info");
	/* And it can be owned again (teardown releases it). */
	fs_expect("", AP " own " FS_EDU " 2>&1");
	fs_expect("off\n", "cat " DIR "/irq/mode");
}
END_TEST

/* -o own= binds at mount and releases at unmount, and only what it bound. */
START_TEST(mount_option)
{
	struct fs_mount m;
	struct stat st;
	char link[64] = "";

	fs_expect("", AP " release " FS_EDU " 2>&1");
	fs_mount(&m, "/tmp/apdma", "own=00:04.0");
	ck_assert_int_gt(readlink(FS_SYSFS "/" FS_EDU "/driver", link,
				  sizeof(link) - 1), 0);
	ck_assert_ptr_nonnull(strstr(link, "/aperture_io"));
	ck_assert_int_eq(stat("/tmp/apdma/" FS_EDU "/dma/mask", &st), 0);
	fs_umount(&m);
	ck_assert_int_eq(lstat(FS_SYSFS "/" FS_EDU "/driver", &st), -1);
	/* Owned already: left owned. */
	fs_expect("", AP " own " FS_EDU " 2>&1");
	fs_mount(&m, "/tmp/apdma", "own=" FS_EDU);
	fs_umount(&m);
	ck_assert_int_eq(lstat(FS_SYSFS "/" FS_EDU "/driver", &st), 0);
}
END_TEST

/* The suite, as SUITE (fs_dma_suite, fs_dma_iommu_suite) names it. */
Suite *SUITE(void);

Suite *SUITE(void)
{
	Suite *s = suite_create(FS_DMA_NEED_IOMMU ? "fs_dma_iommu" : "fs_dma");
	TCase *tc = tcase_create("edu");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, dma_needs_iommu_or_opt_in);
	tcase_add_test(tc, copy_there_and_back);
	tcase_add_test(tc, raise_register);
	tcase_add_test(tc, release_leaves_it_unbound);
	tcase_add_test(tc, mount_option);
	suite_add_tcase(s, tc);
	return s;
}

#endif /* FS_DMA_H */
