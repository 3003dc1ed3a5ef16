/*
 * check_qmp_client.c - tests/vm/qmp-client, the host side of every QMP
 * command a guest suite has QEMU carry out (hot-plug, screendumps),
 * against a stand-in QEMU monitor on a Unix socket of this host.
 *
 * QEMU sends events whenever they happen: one that arrives in the same
 * read as the reply to qmp_capabilities must not cost the command that
 * follows (the lost device_add of check_module_revoke on 6.12-deb13).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef APERTURE_QMP_CLIENT
#error "the Makefile gives APERTURE_QMP_CLIENT, the client's path"
#endif

static const char *greeting = "{\"QMP\": {\"version\": {}}}\n";

/*
 * Reads one line from fd into buf (at most len - 1 bytes), waiting at most
 * 5 s for each part: its length, or -1 if none came.
 */
static ssize_t read_line(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	while (n + 1 < len) {
		if (poll(&p, 1, 5000) != 1 || read(fd, buf + n, 1) != 1)
			return -1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = 0;
	return (ssize_t)n;
}

static void send_str(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/*
 * Runs the client on cmd against a monitor that answers qmp_capabilities
 * with caps_reply (one write), then the command with "return" and a
 * marker.  Fills got with the line the monitor received after the
 * capabilities ("" if none within 5 s) and out with what the client
 * printed; returns its exit status.
 */
static int run_client(const char *cmd, const char *caps_reply,
		      char *got, size_t got_len, char *out, size_t out_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, cfd, in[2], outp[2], status;
	char line[512];
	ssize_t n;
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/qmpc-test.%d",
		 (int)getpid());
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(outp, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		execl(APERTURE_QMP_CLIENT, "qmp-client", sa.sun_path,
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	send_str(in[1], cmd);
	close(in[1]);

	cfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(cfd, 0);
	send_str(cfd, greeting);
	ck_assert_int_gt(read_line(cfd, line, sizeof(line)), 0);
	ck_assert_ptr_nonnull(strstr(line, "qmp_capabilities"));
	send_str(cfd, caps_reply);
	n = read_line(cfd, got, got_len);
	if (n <= 0)
		got[0] = 0;
	else
		send_str(cfd, "{\"return\": {\"marker\": 7}}\n");
	close(cfd);
	close(lfd);
	unlink(sa.sun_path);

	n = read(outp[0], out, out_len - 1);
	out[n > 0 ? n : 0] = 0;
	close(outp[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The plain case: the command goes out, QEMU's reply comes back. */
START_TEST(command_and_reply)
{
	char got[512], out[512];

	ck_assert_int_eq(run_client("{\"execute\":\"query-status\"}",
				    "{\"return\": {}}\n", got, sizeof(got),
				    out, sizeof(out)), 0);
	ck_assert_str_eq(got, "{\"execute\":\"query-status\"}\n");
	ck_assert_str_eq(out, "{\"return\": {\"marker\": 7}}\n");
}
END_TEST

/*
 * An event that came with the capabilities' reply: the command is still
 * sent, and the event is not taken for the reply.
 */
START_TEST(event_with_capabilities_reply)
{
	char got[512], out[512];

	ck_assert_int_eq(run_client("{\"execute\":\"device_add\"}",
				    "{\"return\": {}}\n{\"event\": "
				    "\"ACPI_DEVICE_OST\", \"data\": {}}\n",
				    got, sizeof(got), out, sizeof(out)), 0);
	ck_assert_str_eq(got, "{\"execute\":\"device_add\"}\n");
	ck_assert_str_eq(out, "{\"return\": {\"marker\": 7}}\n");
}
END_TEST

Suite *qmp_client_suite(void);

Suite *qmp_client_suite(void)
{
	Suite *s = suite_create("qmp_client");
	TCase *tc = tcase_create("client");

	signal(SIGPIPE, SIG_IGN);
	tcase_add_test(tc, command_and_reply);
	tcase_add_test(tc, event_with_capabilities_reply);
	suite_add_tcase(s, tc);
	return s;
}
