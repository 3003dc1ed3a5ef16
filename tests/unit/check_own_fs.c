/*
 * check_own_fs.c - an owned function's dma/ through the mount, on the
 * fake machine (no module, no device): which functions have dma/ and
 * irq/, buffers made with truncate, read, written, resized once, removed;
 * the DMA mask and bus mastering; info's lines.  The interrupts are
 * check_own_irq.c's.
 */
#include "own_fake.h"

START_TEST(only_owned)
{
	struct stat st;
	char *info;

	ck_assert_int_eq(stat(FK_PATH(&m, OWN "/dma/mask"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode));
	ck_assert_int_eq(stat(FK_PATH(&m, OWN "/irq"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:05.0/dma"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:06.0/irq"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	info = fk_slurp(FK_PATH(&m, "0000:00:05.0/info"));
	ck_assert_ptr_nonnull(strstr(info, "\nowner: edu\n"));
	ck_assert_ptr_null(strstr(info, "dma."));
	free(info);
	info = fk_slurp(FK_PATH(&m, "0000:00:06.0/info"));
	ck_assert_ptr_nonnull(strstr(info, "\nowner: none\n"));
	free(info);
}
END_TEST

START_TEST(listing)
{
	char got[512];

	names(FK_PATH(&m, OWN), got, sizeof(got));
	ck_assert_str_eq(got, "bar0 config dma info irq");
	names(FK_PATH(&m, OWN "/dma"), got, sizeof(got));
	ck_assert_str_eq(got, "mask master");
	names(FK_PATH(&m, OWN "/irq"), got, sizeof(got));
	ck_assert_str_eq(got, "mode");
}
END_TEST

START_TEST(mask_and_master)
{
	char t[64];

	own_text(&m, OWN "/dma/mask", t, sizeof(t));
	ck_assert_str_eq(t, "32\n");
	ck_assert_int_eq(fk_put(&m, OWN "/dma/mask", "28\n"), 0);
	own_text(&m, OWN "/dma/mask", t, sizeof(t));
	ck_assert_str_eq(t, "28\n");
	ck_assert_int_eq(fk_put(&m, OWN "/dma/mask", "wide\n"), EINVAL);
	ck_assert_int_eq(fk_put(&m, OWN "/dma/mask", "65\n"), EINVAL);
	ck_assert_int_eq(fk_log_count(&m, OWN " dma/mask: 'wide' is not a "
				      "width in bits"), 1);
	own_text(&m, OWN "/dma/master", t, sizeof(t));
	ck_assert_str_eq(t, "0\n");
	ck_assert_int_eq(fk_put(&m, OWN "/dma/master", "1\n"), 0);
	own_text(&m, OWN "/dma/master", t, sizeof(t));
	ck_assert_str_eq(t, "1\n");
	ck_assert_int_eq(fk_put(&m, OWN "/dma/master", "2\n"), EINVAL);
}
END_TEST

/* truncate -s @size @rel: 0 or errno (as truncate(1) does it). */
static int make_buf(const char *rel, off_t size)
{
	int fd = open(FK_PATH(&m, "%s", rel), O_WRONLY | O_CREAT | O_NONBLOCK,
		      0666);
	int err = 0;

	if (fd < 0)
		return errno;
	if (ftruncate(fd, size) < 0)
		err = errno;
	close(fd);
	return err;
}

START_TEST(buffers)
{
	unsigned char out[6000], in[6000];
	char t[64], got[512];
	struct stat st;
	int fd;

	ck_assert_int_eq(make_buf(OWN "/dma/rx", 5000), 0);
	ck_assert_int_eq(stat(FK_PATH(&m, OWN "/dma/rx"), &st), 0);
	ck_assert_int_eq(st.st_size, 8192);	/* whole pages */
	own_text(&m, OWN "/dma/rx.addr", t, sizeof(t));
	ck_assert_str_eq(t, "0x100000\n");
	ck_assert_int_eq(make_buf(OWN "/dma/tx", 4096), 0);
	own_text(&m, OWN "/dma/tx.addr", t, sizeof(t));
	ck_assert_str_eq(t, "0x102000\n");
	names(FK_PATH(&m, OWN "/dma"), got, sizeof(got));
	ck_assert_str_eq(got, "mask master rx rx.addr tx tx.addr");

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + 3);
	fd = open(FK_PATH(&m, OWN "/dma/rx"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, out, sizeof(out), 100), sizeof(out));
	ck_assert_int_eq(pread(fd, in, sizeof(in), 100), sizeof(in));
	ck_assert_int_eq(memcmp(in, out, sizeof(in)), 0);
	/* The end of the buffer, as the end of a BAR. */
	ck_assert_int_eq(pread(fd, in, 100, 8192), 0);
	ck_assert_int_eq(pwrite(fd, out, 1, 8192), -1);
	ck_assert_int_eq(errno, ENOSPC);
	close(fd);

	/* A size is set once; the same size and 0 (O_TRUNC) change nothing. */
	ck_assert_int_eq(truncate(FK_PATH(&m, OWN "/dma/rx"), 16384), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_int_eq(fk_log_count(&m, OWN " dma/rx: cannot resize a "
				      "buffer of 8192 bytes to 16384 (EBUSY)"),
			 1);
	ck_assert_int_eq(truncate(FK_PATH(&m, OWN "/dma/rx"), 8192), 0);
	ck_assert_int_eq(truncate(FK_PATH(&m, OWN "/dma/rx"), 0), 0);
	ck_assert_int_eq(stat(FK_PATH(&m, OWN "/dma/rx"), &st), 0);
	ck_assert_int_eq(st.st_size, 8192);
	fd = open(FK_PATH(&m, OWN "/dma/rx"), O_RDONLY);
	ck_assert_int_eq(pread(fd, in, 10, 100), 10);
	ck_assert_int_eq(memcmp(in, out, 10), 0);
	close(fd);

	/* Names that are not buffers' */
	ck_assert_int_eq(make_buf(OWN "/dma/rx", 4096), EBUSY);
	ck_assert_int_eq(open(FK_PATH(&m, OWN "/dma/x.addr"),
			      O_WRONLY | O_CREAT | O_EXCL, 0666), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(open(FK_PATH(&m, OWN "/irq/x"),
			      O_WRONLY | O_CREAT, 0666), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(open(FK_PATH(&m, OWN "/x"), O_WRONLY | O_CREAT, 0666),
			 -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(unlink(FK_PATH(&m, OWN "/dma/mask")), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(unlink(FK_PATH(&m, OWN "/dma/rx.addr")), -1);
	ck_assert_int_eq(errno, EPERM);

	/* rm frees; the name can be made again, at a new address. */
	ck_assert_int_eq(unlink(FK_PATH(&m, OWN "/dma/rx")), 0);
	ck_assert_int_eq(stat(FK_PATH(&m, OWN "/dma/rx"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(stat(FK_PATH(&m, OWN "/dma/rx.addr"), &st), -1);
	ck_assert_int_eq(make_buf(OWN "/dma/rx", 4096), 0);
	own_text(&m, OWN "/dma/rx.addr", t, sizeof(t));
	ck_assert_str_eq(t, "0x103000\n");
	ck_assert_int_eq(stat(FK_PATH(&m, OWN "/dma/rx"), &st), 0);
	ck_assert_int_eq(st.st_size, 4096);
}
END_TEST

/* A buffer removed while open lives until its last close. */
START_TEST(remove_while_open)
{
	char buf[8] = "abcdefg", got[8] = "";
	int fd, fds;

	ck_assert_int_eq(make_buf(OWN "/dma/b", 4096), 0);
	fds = fk_fds(&m);
	fd = open(FK_PATH(&m, OWN "/dma/b"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(unlink(FK_PATH(&m, OWN "/dma/b")), 0);
	ck_assert_int_eq(pwrite(fd, buf, 8, 0), 8);
	ck_assert_int_eq(pread(fd, got, 8, 0), 8);
	ck_assert_str_eq(got, "abcdefg");
	ck_assert_int_eq(fk_fds(&m), fds);
	close(fd);
	/* The daemon closes the buffer's descriptor with the last file. */
	for (int i = 0; i < 200 && fk_fds(&m) != fds - 1; i++)
		usleep(10000);
	ck_assert_int_eq(fk_fds(&m), fds - 1);
}
END_TEST

START_TEST(mask_limits_addresses)
{
	ck_assert_int_eq(fk_put(&m, OWN "/dma/mask", "21\n"), 0);
	ck_assert_int_eq(make_buf(OWN "/dma/a", 1 << 20), 0);
	ck_assert_int_eq(make_buf(OWN "/dma/b", 4096), ENOMEM);
	ck_assert_int_eq(fk_log_count(&m, OWN " dma/b: cannot allocate 4096 "
				      "bytes: Cannot allocate memory"), 1);
}
END_TEST

START_TEST(info_lines)
{
	char *info;

	ck_assert_int_eq(fk_put(&m, OWN "/dma/mask", "28\n"), 0);
	ck_assert_int_eq(fk_put(&m, OWN "/dma/master", "1\n"), 0);
	ck_assert_int_eq(make_buf(OWN "/dma/rx", 4096), 0);
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msix 2\n"), 0);
	info = fk_slurp(FK_PATH(&m, OWN "/info"));
	ck_assert_ptr_nonnull(info);
	ck_assert_msg(strstr(info, "\nowner: aperture_io\n"
				   "dma.master: on\n"
				   "dma.mask: 28\n"
				   "dma.iommu: dma\n"), "%s", info);
	ck_assert_msg(strstr(info, "\ndma.buffers: 1 (4096 bytes)\n"
				   "dma.buffer: rx 4096 bytes at 0x100000\n"
				   "irq.mode: msix 2\n"
				   "irq.possible: intx msi msix\n"), "%s", info);
	free(info);
}
END_TEST

Suite *own_fs_suite(void);

Suite *own_fs_suite(void)
{
	Suite *s = suite_create("own_fs");
	TCase *tc;

	tc = tcase_create("dma");
	tcase_add_checked_fixture(tc, own_mount_setup, own_mount_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, only_owned);
	tcase_add_test(tc, listing);
	tcase_add_test(tc, mask_and_master);
	tcase_add_test(tc, buffers);
	tcase_add_test(tc, remove_while_open);
	tcase_add_test(tc, mask_limits_addresses);
	tcase_add_test(tc, info_lines);
	suite_add_tcase(s, tc);
	return s;
}
