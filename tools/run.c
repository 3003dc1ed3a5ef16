// SPDX-License-Identifier: MIT
/*
 * run.c - what the aperture command does with one parsed access, and the
 * messages it gives when one fails: each names the device, the BAR, the
 * offset and width, and the errno (its text and its name).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apc.h"

const char *apc_prog = "aperture";

/* "aperture: 0000:00:04.0 bar0 0x4.l: write: Permission denied (EACCES)". */
static int apc_fail(struct aperture *ap, const struct apc_access *a,
		    const char *op, int ret, FILE *err)
{
	const char *name = aperture_errno_name(ret);
	char what[64];
	uint64_t size;

	apc_describe(a, what, sizeof(what));
	fprintf(err, "%s: %s %s: %s: %s (%s)", apc_prog, aperture_slot(ap),
		what, op, strerror(-ret), name ? name : "?");
	if (a->kind == APC_NAMED_READ || a->kind == APC_NAMED_WRITE) {
		char why[256];

		if (ret == -ENOENT)
			fprintf(err, ": no such register in the descriptions "
				"of the mount (aperturefs -o regs=DIR)");
		else if (ret == -EACCES && a->kind == APC_NAMED_WRITE)
			fprintf(err, ": the register is read-only");
		else if (ret == -EACCES)
			fprintf(err, ": the register is write-only");
		else if ((ret == -EINVAL || ret == -EPERM) &&
			 a->kind == APC_NAMED_WRITE &&
			 !aperture_info(ap, "regs.refused", why, sizeof(why)))
			fprintf(err, ": %s", why);
	} else if (ret == -ERANGE && !aperture_bar_size(ap, a->bar, &size)) {
		fprintf(err, ": bar%d is 0x%" PRIx64 " bytes", a->bar, size);
	} else if (ret == -ENOENT) {
		fprintf(err, ": the function has no bar%d", a->bar);
	} else if (ret == -EACCES && strcmp(op, "read")) {
		fprintf(err, ": bar%d is read-only", a->bar);
	}
	fputc('\n', err);
	return AP_EXIT_ACCESS;
}

/* What a word does to its BAR or register: "read", "write", ... */
static const char *apc_op(const struct apc_access *a, bool wait)
{
	if (wait)
		return "wait";
	switch (a->kind) {
	case APC_WRITE:
	case APC_NAMED_WRITE:
		return "write";
	case APC_UPDATE:
		return "read-modify-write";
	default:
		return "read";
	}
}

/*
 * One request to regs/.check at @path: the errno of the answer, the
 * answer's line in @ans.  A read-only mount takes no write: there the
 * request is an extended attribute's name, and a refusal has no line.
 */
static int apc_request(const char *path, const char *req, char *ans,
		       size_t len)
{
	char xname[300];
	ssize_t n;
	int fd, ret;

	*ans = 0;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == EROFS) {
		snprintf(xname, sizeof(xname), "user.%s", req);
		n = getxattr(path, xname, ans, len - 1);
		ret = n < 0 ? -errno : 0;
	} else if (fd < 0) {
		return -errno;
	} else {
		n = write(fd, req, strlen(req));
		ret = n == (ssize_t)strlen(req) ? 0 : -errno;
		n = pread(fd, ans, len - 1, 0);
		close(fd);
	}
	ans[n > 0 ? n : 0] = 0;
	ans[strcspn(ans, "\n")] = 0;
	return ret;
}

/* Why the mount refused a request with @ret when it gave no line. */
static const char *apc_refusal(int ret, bool wait)
{
	switch (ret) {
	case -EPERM:
		return wait ? "reading it has a side effect (readAction): a "
			      "wait would consume what it waits for" :
			      "the read-modify-write is not safe here";
	case -EINVAL:
		return "the value does not fit, or names no value of the field";
	case -ENOENT:
		return "this aperturefs has no regs/.check to translate value "
		       "names: wait for the number";
	default:
		return "refused by the mount";
	}
}

/*
 * Ask the daemon, through regs/.check, whether named access @a would be
 * done (aperturefs(8)); for a wait, its value as a number in a->val (a
 * value name translated).  No device access.  A mount without .check (an
 * older aperturefs) is left to the access itself, but for value names in
 * waits, which only the daemon can translate.
 */
static int apc_ask(struct aperture *ap, struct apc_access *a, bool wait,
		   FILE *err)
{
	char path[APERTURE_PATH_MAX + 64], req[256], ans[512];
	const char *op = wait ? "wait" : a->kind == APC_NAMED_WRITE ? "write"
								      : "read";
	const char *p = ans;
	int ret;

	snprintf(path, sizeof(path), "%s/%s/regs/.check", aperture_mount(ap),
		 aperture_slot(ap));
	if (a->kind == APC_NAMED_WRITE)
		snprintf(req, sizeof(req), "%s %s=%s", op, a->name, a->text);
	else
		snprintf(req, sizeof(req), "%s %s", op, a->name);
	ret = apc_request(path, req, ans, sizeof(ans));
	if (ret == -ENOENT && !*ans && !(wait && a->is_name))
		return AP_EXIT_OK;
	if (ret) {
		fprintf(err, "%s: %s %s: %s: %s (%s): %s\n", apc_prog,
			aperture_slot(ap), a->name, op, strerror(-ret),
			aperture_errno_name(ret),
			*ans ? ans : apc_refusal(ret, wait));
		return AP_EXIT_ACCESS;
	}
	if (wait && apc_number(&p, "", &a->val)) {
		fprintf(err, "%s: %s %s: wait: the mount answered '%s' for "
			"'%s'\n", apc_prog, aperture_slot(ap), a->name, ans,
			a->text);
		return AP_EXIT_ACCESS;
	}
	return AP_EXIT_OK;
}

int apc_check(struct aperture *ap, struct apc_access *a, bool wait,
	      FILE *err)
{
	bool named = a->kind == APC_NAMED_READ || a->kind == APC_NAMED_WRITE;
	bool wr = !wait && (a->kind == APC_WRITE || a->kind == APC_UPDATE ||
			    a->kind == APC_NAMED_WRITE);
	bool rd = wait || (a->kind != APC_WRITE && a->kind != APC_NAMED_WRITE);
	uint64_t size, len = a->kind == APC_RANGE ? a->len : a->width;
	int mode = (rd ? R_OK : 0) | (wr ? W_OK : 0), ret;

	if (named) {
		ret = aperture_reg_access(ap, a->name, mode);
		if (!ret)
			return apc_ask(ap, a, wait, err);
	} else {
		ret = aperture_bar_size(ap, a->bar, &size);
		if (!ret && (a->off > size || len > size - a->off))
			ret = -ERANGE;
		if (!ret)
			ret = aperture_bar_access(ap, a->bar, mode);
	}
	return ret ? apc_fail(ap, a, apc_op(a, wait), ret, err) : AP_EXIT_OK;
}

static void apc_put_value(FILE *out, enum apc_mode mode, unsigned int width,
			  uint64_t v)
{
	unsigned char b[8];

	if (mode == APC_QUIET)
		return;
	if (mode == APC_RAW) {
		for (unsigned int i = 0; i < width; i++)
			b[i] = (unsigned char)(v >> (8 * i));
		fwrite(b, 1, width, out);
		return;
	}
	fprintf(out, "0x%0*" PRIx64 "\n", 2 * width, v);
}

static int apc_range(struct aperture *ap, const struct apc_access *a,
		     enum apc_mode mode, FILE *out, FILE *err)
{
	unsigned char *buf;
	uint64_t v;
	int ret;

	buf = malloc(a->len);
	if (!buf)
		return apc_fail(ap, a, "read", -ENOMEM, err);
	for (uint64_t i = 0; i < a->len; i += a->width) {
		ret = aperture_read(ap, a->bar, a->off + i, a->width, &v);
		if (ret) {
			struct apc_access one = *a;

			one.kind = APC_READ;
			one.off = a->off + i;
			free(buf);
			return apc_fail(ap, &one, "read", ret, err);
		}
		for (unsigned int k = 0; k < a->width; k++)
			buf[i + k] = (unsigned char)(v >> (8 * k));
	}
	if (mode == APC_RAW)
		fwrite(buf, 1, a->len, out);
	else if (mode == APC_NORMAL)
		apc_print_range(out, a, buf);
	free(buf);
	return AP_EXIT_OK;
}

/*
 * -r of a register: its value in the register's width, which is what the
 * daemon's zero-padded hex shows ("0x0280": 2 bytes), little endian.
 */
static int apc_put_named_raw(struct aperture *ap, const struct apc_access *a,
			     const char *text, FILE *out, FILE *err)
{
	const char *p = text;
	size_t digits = strlen(text) - 2;
	unsigned int width = 1;
	uint64_t v;

	if (strncmp(text, "0x", 2) || apc_number(&p, "", &v) || digits > 16)
		return apc_fail(ap, a, "read", -EIO, err);
	while (2 * width < digits)
		width *= 2;
	apc_put_value(out, APC_RAW, width, v);
	return AP_EXIT_OK;
}

int apc_run(struct aperture *ap, const struct apc_access *a,
	    enum apc_mode mode, FILE *out, FILE *err)
{
	uint64_t v;
	int ret;

	switch (a->kind) {
	case APC_READ:
		ret = aperture_read(ap, a->bar, a->off, a->width, &v);
		if (ret)
			return apc_fail(ap, a, "read", ret, err);
		apc_put_value(out, mode, a->width, v);
		return AP_EXIT_OK;
	case APC_WRITE:
		ret = aperture_write(ap, a->bar, a->off, a->width, a->val);
		return ret ? apc_fail(ap, a, "write", ret, err) : AP_EXIT_OK;
	case APC_UPDATE:
		ret = aperture_update(ap, a->bar, a->off, a->width, a->val,
				      a->mask, NULL);
		return ret ? apc_fail(ap, a, "read-modify-write", ret, err) :
			     AP_EXIT_OK;
	case APC_RANGE:
		return apc_range(ap, a, mode, out, err);
	case APC_NAMED_READ: {
		char text[64];

		ret = aperture_reg_read_text(ap, a->name, text, sizeof(text));
		if (ret)
			return apc_fail(ap, a, "read", ret, err);
		if (mode == APC_RAW)
			return apc_put_named_raw(ap, a, text, out, err);
		if (mode != APC_QUIET)
			fprintf(out, "%s\n", text);
		return AP_EXIT_OK;
	}
	case APC_NAMED_WRITE:
		ret = aperture_reg_write_text(ap, a->name, a->text);
		return ret ? apc_fail(ap, a, "write", ret, err) : AP_EXIT_OK;
	}
	return AP_EXIT_SYNTAX;
}

int apc_wait(struct aperture *ap, const struct apc_access *a,
	     long timeout_ms, FILE *err)
{
	int d = 2 * a->width, ret;
	uint64_t last = 0;
	char what[64];

	if (a->kind == APC_NAMED_WRITE) {
		bool field = strchr(strchr(a->name, '.') + 1, '.');
		uint64_t want = a->val;

		ret = aperture_reg_wait(ap, a->name, want,
					(unsigned int)timeout_ms, &last);
		if (!ret)
			return AP_EXIT_OK;
		if (ret != -ETIMEDOUT)
			return apc_fail(ap, a, "wait", ret, err);
		/* As the daemon shows them: fields decimal, registers hex. */
		fprintf(err, field ? "%s: %s %s: timed out after %ld ms "
			"waiting for %s; last value %" PRIu64 "\n" :
			"%s: %s %s: timed out after %ld ms waiting for "
			"%s; last value 0x%" PRIx64 "\n", apc_prog,
			aperture_slot(ap), a->name, timeout_ms, a->text, last);
		return AP_EXIT_TIMEOUT;
	}
	ret = aperture_wait(ap, a->bar, a->off, a->width, a->mask, a->val,
			    (unsigned int)timeout_ms, &last);
	if (!ret)
		return AP_EXIT_OK;
	if (ret != -ETIMEDOUT)
		return apc_fail(ap, a, "wait", ret, err);
	apc_describe(a, what, sizeof(what));
	fprintf(err, "%s: %s %s: timed out after %ld ms waiting for "
		"0x%0*" PRIx64 " under mask 0x%0*" PRIx64 "; last value "
		"0x%0*" PRIx64 "\n", apc_prog, aperture_slot(ap), what,
		timeout_ms, d, a->val & a->mask, d, a->mask, d, last);
	return AP_EXIT_TIMEOUT;
}
