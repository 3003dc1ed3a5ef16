// SPDX-License-Identifier: MIT
/*
 * run.c - what the aperture command does with one parsed access, and the
 * messages it gives when one fails: each names the device, the BAR, the
 * offset and width, and the errno (its text and its name).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apc.h"

/* "aperture: 0000:00:04.0 bar0 0x4.l: write: Permission denied (EACCES)". */
static int apc_fail(struct aperture *ap, const struct apc_access *a,
		    const char *op, int ret, FILE *err)
{
	const char *name = aperture_errno_name(ret);
	char what[64];
	uint64_t size;

	apc_describe(a, what, sizeof(what));
	fprintf(err, "aperture: %s %s: %s: %s (%s)", aperture_slot(ap), what,
		op, strerror(-ret), name ? name : "?");
	if (a->kind == APC_NAMED_READ || a->kind == APC_NAMED_WRITE) {
		char why[256];

		if (ret == -ENOENT)
			fprintf(err, ": no such register in the descriptions "
				"of the mount (aperturefs -o regs=DIR)");
		else if (ret == -EINVAL && a->kind == APC_NAMED_WRITE &&
			 !aperture_info(ap, "regs.refused", why, sizeof(why)))
			fprintf(err, ": %s", why);
	} else if (ret == -ERANGE && !aperture_bar_size(ap, a->bar, &size)) {
		fprintf(err, ": bar%d is 0x%" PRIx64 " bytes", a->bar, size);
	} else if (ret == -ENOENT) {
		fprintf(err, ": the function has no bar%d", a->bar);
	}
	fputc('\n', err);
	return AP_EXIT_ACCESS;
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
	uint64_t size, v;
	int ret;

	/* Check the whole range first: print nothing of a bad one. */
	ret = aperture_bar_size(ap, a->bar, &size);
	if (!ret && (a->off > size || a->len > size - a->off))
		ret = -ERANGE;
	if (ret)
		return apc_fail(ap, a, "read", ret, err);
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
		uint64_t want;
		char *end;
		bool field = strchr(strchr(a->name, '.') + 1, '.');

		errno = 0;
		want = strtoull(a->text, &end, 0);
		if (errno || *end) {
			fprintf(stderr, "aperture: wait: %s=%s: give the value "
				"as a number (aperture -h for usage)\n",
				a->name, a->text);
			return AP_EXIT_SYNTAX;
		}
		ret = aperture_reg_wait(ap, a->name, want,
					(unsigned int)timeout_ms, &last);
		if (!ret)
			return AP_EXIT_OK;
		if (ret != -ETIMEDOUT)
			return apc_fail(ap, a, "wait", ret, err);
		/* As the daemon shows them: fields decimal, registers hex. */
		fprintf(err, field ? "aperture: %s %s: timed out after %ld ms "
			"waiting for %s; last value %" PRIu64 "\n" :
			"aperture: %s %s: timed out after %ld ms waiting for "
			"%s; last value 0x%" PRIx64 "\n", aperture_slot(ap),
			a->name, timeout_ms, a->text, last);
		return AP_EXIT_TIMEOUT;
	}
	ret = aperture_wait(ap, a->bar, a->off, a->width, a->mask, a->val,
			    (unsigned int)timeout_ms, &last);
	if (!ret)
		return AP_EXIT_OK;
	if (ret != -ETIMEDOUT)
		return apc_fail(ap, a, "wait", ret, err);
	apc_describe(a, what, sizeof(what));
	fprintf(err, "aperture: %s %s: timed out after %ld ms waiting for "
		"0x%0*" PRIx64 " under mask 0x%0*" PRIx64 "; last value "
		"0x%0*" PRIx64 "\n", aperture_slot(ap), what, timeout_ms, d,
		a->val & a->mask, d, a->mask, d, last);
	return AP_EXIT_TIMEOUT;
}
