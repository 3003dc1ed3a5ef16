/*
 * qmp-client.c - send one QMP command, read on standard input, to the QEMU
 * monitor socket named by argv[1], and print QEMU's reply.
 *
 * Negotiates capabilities first and skips asynchronous events.  Exit status
 * 0 when QEMU answers "return", 1 on "error" or a broken connection.  Used
 * on the host by tests/vm/qmp-relay.
 *
 * Reads go through stdio, writes do not: a stream of a socket opened for
 * both drops a write made while read-ahead is buffered (glibc seeks back
 * over the unread bytes before writing, and a socket cannot seek), so a
 * command sent after an event arrived with the capabilities' reply was
 * never sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Writes all of s to fd: 0, or -1 on a broken connection. */
static int send_all(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len) {
		n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads the next reply line that is not an event; NULL at end. */
static char *next_reply(FILE *f, char **line, size_t *cap)
{
	while (getline(line, cap, f) > 0)
		if (!strstr(*line, "\"event\""))
			return *line;
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *cmd = NULL, *line = NULL;
	size_t cmdcap = 0, cap = 0;
	FILE *f;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: qmp-client SOCKET < COMMAND.json\n");
		return 2;
	}
	if (getdelim(&cmd, &cmdcap, '\0', stdin) <= 0) {
		fprintf(stderr, "qmp-client: empty command\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("qmp-client: connect");
		return 1;
	}
	f = fdopen(fd, "r");
	if (!f || !next_reply(f, &line, &cap)) /* greeting */
		return 1;
	if (send_all(fd, "{\"execute\":\"qmp_capabilities\"}\n") ||
	    !next_reply(f, &line, &cap))
		return 1;
	if (send_all(fd, cmd) || send_all(fd, "\n") ||
	    !next_reply(f, &line, &cap))
		return 1;
	fputs(line, stdout);
	return strncmp(line, "{\"return\"", 9) == 0 ? 0 : 1;
}
