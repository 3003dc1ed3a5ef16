/*
 * check_own_fs.c - an owned function's dma/ and irq/ through the mount,
 * on the fake machine (no module, no device): buffers made with truncate,
 * read, written, resized once, removed; the DMA mask and bus mastering;
 * interrupt modes, vector files that block, count, say EAGAIN, wake poll,
 * pass masks on, answer a signal and die with their mode; info's lines.
 */
#include <pthread.h>
#include <sys/ioctl.h>

#include "aperture_io.h"

#include "own_fake.h"

static struct fk m;

static void setup(void)
{
	fk_mount(&m, own_machine, NULL);
}

static void teardown(void)
{
	fk_umount(&m);
}

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

/* Names in @dir but "." and "..", in listing order, joined with spaces. */
static void names(const char *dir, char *out, size_t len)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);

	ck_assert_msg(n >= 0, "scandir %s: %s", dir, strerror(errno));
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") && strcmp(v[i]->d_name, "..")) {
			if (out[0])
				strncat(out, " ", len - strlen(out) - 1);
			strncat(out, v[i]->d_name, len - strlen(out) - 1);
		}
		free(v[i]);
	}
	free(v);
}

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

START_TEST(modes)
{
	char t[64], got[256];

	own_text(&m, OWN "/irq/mode", t, sizeof(t));
	ck_assert_str_eq(t, "off\n");
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
	own_text(&m, OWN "/irq/mode", t, sizeof(t));
	ck_assert_str_eq(t, "msi 1\n");
	names(FK_PATH(&m, OWN "/irq"), got, sizeof(got));
	ck_assert_str_eq(got, "mode msi0");
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msix 2\n"), 0);
	names(FK_PATH(&m, OWN "/irq"), got, sizeof(got));
	ck_assert_str_eq(got, "mode msix0 msix1");
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "intx\n"), 0);
	names(FK_PATH(&m, OWN "/irq"), got, sizeof(got));
	ck_assert_str_eq(got, "intx mode");
	/* The function cannot: the mode stays off, the log says why. */
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 2\n"), EINVAL);
	ck_assert_int_eq(fk_log_count(&m, OWN " irq/mode: 'msi 2' refused: "
				      "Invalid argument"), 1);
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "many\n"), EINVAL);
	ck_assert_int_eq(fk_log_count(&m, OWN " irq/mode: 'many' is not off, "
				      "intx, msi N or msix N"), 1);
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "off\n"), 0);
	names(FK_PATH(&m, OWN "/irq"), got, sizeof(got));
	ck_assert_str_eq(got, "mode");
}
END_TEST

START_TEST(counts)
{
	int fd;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi\n"), 0);
	fd = open(FK_PATH(&m, OWN "/irq/msi0"), O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(own_read_count(fd), -EAGAIN);
	own_raise(&m, "msi0", 1);
	own_raise(&m, "msi0", 2);
	/* The FIFO is read by the watcher or by this read: either way the
	 * count is there once the FIFO is drained. */
	for (int i = 0; i < 200; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 10) == 1)
			break;
	}
	ck_assert_int_eq(own_read_count(fd), 3);
	ck_assert_int_eq(own_read_count(fd), -EAGAIN);
	/* A short read is refused. */
	ck_assert_int_eq(read(fd, (char[4]){ 0 }, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
	/* Counted while no file was open: the next read has it. */
	own_raise(&m, "msi0", 5);
	fd = open(FK_PATH(&m, OWN "/irq/msi0"), O_RDONLY);
	ck_assert_int_eq(own_read_count(fd), 5);
	close(fd);
}
END_TEST

/* A reader blocked in read() (a child), answered by an interrupt. */
struct blocked {
	pid_t pid;
	int pipe;		/* the child's result: the count or -errno */
};

static struct blocked block_read(const char *vec)
{
	struct blocked b;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	b.pid = fork();
	ck_assert_int_ge(b.pid, 0);
	if (!b.pid) {
		int fd = open(FK_PATH(&m, OWN "/irq/%s", vec), O_RDONLY);
		int64_t c = fd < 0 ? -errno : own_read_count(fd);

		if (write(p[1], &c, sizeof(c)) != sizeof(c))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	b.pipe = p[0];
	return b;
}

/* The child's result within @ms, or INT64_MIN if none came. */
static int64_t block_result(struct blocked *b, int ms)
{
	struct pollfd p = { .fd = b->pipe, .events = POLLIN };
	int64_t c = INT64_MIN;

	if (poll(&p, 1, ms) == 1 &&
	    read(b->pipe, &c, sizeof(c)) != sizeof(c))
		c = INT64_MIN;
	return c;
}

static void block_end(struct blocked *b)
{
	int st;

	kill(b->pid, SIGKILL);
	ck_assert_int_eq(waitpid(b->pid, &st, 0), b->pid);
	close(b->pipe);
}

/* Wait until @pid sits in read(2) (x86-64 and i386: syscall 0 or 3). */
static void wait_in_read(pid_t pid)
{
	char path[64], *t;
	bool in = false;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	for (int i = 0; i < 500 && !in; i++) {
		t = fk_slurp(path);
		in = t && (!strncmp(t, "0 ", 2) || !strncmp(t, "3 ", 2));
		free(t);
		if (!in)
			usleep(10000);
	}
	ck_assert_msg(in, "process %d never blocked in read", (int)pid);
}

START_TEST(blocking_read)
{
	struct blocked b;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
	b = block_read("msi0");
	wait_in_read(b.pid);
	ck_assert(block_result(&b, 0) == INT64_MIN);	/* still blocked */
	own_raise(&m, "msi0", 1);
	ck_assert_int_eq(block_result(&b, 3000), 1);
	block_end(&b);
}
END_TEST

/* More blocked readers than libfuse has threads (10): the mount still
 * answers, and each reader is answered in turn by one interrupt. */
START_TEST(blocked_readers_starve_nothing)
{
	struct blocked b[14];
	struct pollfd p[14];
	char t[64];
	int done = 0;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "intx\n"), 0);
	for (int i = 0; i < 14; i++) {
		b[i] = block_read("intx");
		wait_in_read(b[i].pid);
		p[i] = (struct pollfd){ .fd = b[i].pipe, .events = POLLIN };
	}
	own_text(&m, OWN "/dma/mask", t, sizeof(t));
	ck_assert_str_eq(t, "32\n");
	for (int i = 0; i < 14; i++) {
		own_raise(&m, "intx", 1);
		ck_assert_int_eq(poll(p, 14, 3000), 1);
		for (int k = 0; k < 14; k++) {
			if (!(p[k].revents & POLLIN))
				continue;
			ck_assert_int_eq(block_result(&b[k], 0), 1);
			p[k].fd = -1;
			done++;
		}
	}
	ck_assert_int_eq(done, 14);
	for (int i = 0; i < 14; i++)
		block_end(&b[i]);
}
END_TEST

static void on_alarm(int sig)
{
}

/* A signal answers a blocked read EINTR; SIGKILL ends the reader. */
START_TEST(signal_ends_read)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct blocked b;
	int fd, st;
	pid_t pid;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		sigaction(SIGALRM, &sa, NULL);
		fd = open(FK_PATH(&m, OWN "/irq/msi0"), O_RDONLY);
		alarm(1);
		_exit(own_read_count(fd) == -EINTR ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);

	b = block_read("msi0");
	wait_in_read(b.pid);
	kill(b.pid, SIGKILL);
	for (int i = 0; i < 300 && waitpid(b.pid, &st, WNOHANG) == 0; i++)
		usleep(10000);
	ck_assert_msg(kill(b.pid, 0) < 0, "the reader is still there");
	close(b.pipe);
	/* Nothing was taken from the count by the readers that left. */
	own_raise(&m, "msi0", 2);
	fd = open(FK_PATH(&m, OWN "/irq/msi0"), O_RDONLY);
	ck_assert_int_eq(own_read_count(fd), 2);
	close(fd);
}
END_TEST

START_TEST(poll_wakes)
{
	struct timespec t0, t1;
	struct pollfd p;
	int fd;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msix 2\n"), 0);
	fd = open(FK_PATH(&m, OWN "/irq/msix1"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	if (!fork()) {
		usleep(200000);
		own_raise(&m, "msix1", 1);
		_exit(0);
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert(p.revents & POLLIN);
	/* Woken by the interrupt, not by the end of the wait (at which
	 * the kernel asks once more, and would see the count). */
	ck_assert_msg(t1.tv_sec - t0.tv_sec < 3, "poll woke only after %ld s",
		      (long)(t1.tv_sec - t0.tv_sec));
	wait(NULL);
	ck_assert_int_eq(own_read_count(fd), 1);
	/* Another vector's interrupt does not wake this one. */
	own_raise(&m, "msix0", 1);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 300), 0);
	close(fd);
}
END_TEST

START_TEST(mask_passes_on)
{
	uint64_t v = APERTURE_IO_IRQ_MASK;
	char path[PATH_MAX + 32], *t;
	int fd;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "intx\n"), 0);
	fd = open(FK_PATH(&m, OWN "/irq/intx"), O_RDWR);
	ck_assert_int_eq(write(fd, &v, 8), 8);
	snprintf(path, sizeof(path), "%s/" OWN ".intx.mask", m.dir);
	t = fk_slurp(path);
	ck_assert_str_eq(t, "masked\n");
	free(t);
	v = APERTURE_IO_IRQ_UNMASK;
	ck_assert_int_eq(write(fd, &v, 8), 8);
	t = fk_slurp(path);
	ck_assert_str_eq(t, "unmasked\n");
	free(t);
	v = 7;
	ck_assert_int_eq(write(fd, &v, 8), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(write(fd, &v, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
}
END_TEST

/* A mode change ends the old vectors: open files and blocked reads get
 * ENODEV, poll says POLLERR. */
START_TEST(mode_change_ends_vectors)
{
	struct blocked b;
	struct pollfd p;
	int fd;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
	fd = open(FK_PATH(&m, OWN "/irq/msi0"), O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	b = block_read("msi0");
	wait_in_read(b.pid);
	/* The same mode again keeps them. */
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
	ck_assert_int_eq(own_read_count(fd), -EAGAIN);
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "intx\n"), 0);
	ck_assert_int_eq(block_result(&b, 3000), -ENODEV);
	ck_assert_int_eq(own_read_count(fd), -ENODEV);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 1);
	ck_assert(p.revents & POLLERR);
	close(fd);
	block_end(&b);
}
END_TEST

Suite *own_fs_suite(void);

Suite *own_fs_suite(void)
{
	Suite *s = suite_create("own_fs");
	TCase *tc;

	tc = tcase_create("dma");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, only_owned);
	tcase_add_test(tc, listing);
	tcase_add_test(tc, mask_and_master);
	tcase_add_test(tc, buffers);
	tcase_add_test(tc, remove_while_open);
	tcase_add_test(tc, mask_limits_addresses);
	tcase_add_test(tc, info_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("irq");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, modes);
	tcase_add_test(tc, counts);
	tcase_add_test(tc, blocking_read);
	tcase_add_test(tc, blocked_readers_starve_nothing);
	tcase_add_test(tc, signal_ends_read);
	tcase_add_test(tc, poll_wakes);
	tcase_add_test(tc, mask_passes_on);
	tcase_add_test(tc, mode_change_ends_vectors);
	suite_add_tcase(s, tc);
	return s;
}
