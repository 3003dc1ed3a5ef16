/* SPDX-License-Identifier: MIT */
/*
 * aperture/aperture-check.h - assertions for Check suites on libaperture.
 *
 *	#include <check.h>
 *	#include <aperture/aperture-check.h>
 *
 *	ck_assert_aperture_eq(ap, 0, 0x0, 4, 0x010000ed);
 *	ck_assert_aperture_wait(ap, 0, 0x20, 4, 0x1, 0x0, 1000);
 *
 * A failure message names the device, the register (BAR, offset and
 * width), what was expected and what was read, e.g.
 *
 *	0000:00:04.0 bar0 0x0.l: expected 0x010000ed, got 0x010000ee
 *
 * and an access that fails names its errno instead.  Everything here is
 * static inline over the library's calls; it links nothing more.
 */
#ifndef APERTURE_APERTURE_CHECK_H
#define APERTURE_APERTURE_CHECK_H

#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <aperture/aperture.h>

/* The width letter setpci uses: b w l q. */
static inline char aperture_check_letter(unsigned int width)
{
	return width == 1 ? 'b' : width == 2 ? 'w' : width == 8 ? 'q' : 'l';
}

/* "0000:00:04.0 bar0 0x20.l" into @buf. */
static inline void aperture_check_where(struct aperture *ap, int bar,
					uint64_t off, unsigned int width,
					char *buf, size_t len)
{
	snprintf(buf, len, "%s bar%d 0x%" PRIx64 ".%c", aperture_slot(ap), bar,
		 off, aperture_check_letter(width));
}

/* The message for a failed access, or for @got against @want. */
static inline int aperture_check_eq(struct aperture *ap, int bar,
				    uint64_t off, unsigned int width,
				    uint64_t want, char *msg, size_t len)
{
	char where[96];
	uint64_t got = 0;
	int ret = aperture_read(ap, bar, off, width, &got);

	aperture_check_where(ap, bar, off, width, where, sizeof(where));
	if (ret) {
		snprintf(msg, len, "%s: read failed: %s (%s)", where,
			 strerror(-ret), aperture_errno_name(ret));
		return ret;
	}
	if (got != want) {
		snprintf(msg, len, "%s: expected 0x%0*" PRIx64 ", got 0x%0*"
			 PRIx64, where, (int)(2 * width), want,
			 (int)(2 * width), got);
		return 1;
	}
	return 0;
}

static inline int aperture_check_wait(struct aperture *ap, int bar,
				      uint64_t off, unsigned int width,
				      uint64_t mask, uint64_t want,
				      unsigned int timeout_ms, char *msg,
				      size_t len)
{
	char where[96];
	uint64_t last = 0;
	int ret = aperture_wait(ap, bar, off, width, mask, want, timeout_ms,
				&last);

	aperture_check_where(ap, bar, off, width, where, sizeof(where));
	if (ret == -ETIMEDOUT)
		snprintf(msg, len, "%s: expected 0x%0*" PRIx64 " under mask "
			 "0x%0*" PRIx64 " within %u ms, last value 0x%0*"
			 PRIx64, where, (int)(2 * width), want & mask,
			 (int)(2 * width), mask, timeout_ms, (int)(2 * width),
			 last);
	else if (ret)
		snprintf(msg, len, "%s: read failed: %s (%s)", where,
			 strerror(-ret), aperture_errno_name(ret));
	return ret;
}

/* @v written as @like is written: "0x" and as many digits, or decimal. */
static inline void aperture_check_like(const char *like, uint64_t v,
				       char *buf, size_t len)
{
	if (!strncmp(like, "0x", 2))
		snprintf(buf, len, "0x%0*" PRIx64, (int)strlen(like + 2), v);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

/* The message for a named register or field against @want. */
static inline int aperture_check_reg_eq(struct aperture *ap,
					const char *name, uint64_t want,
					char *msg, size_t len)
{
	char got[64], exp[32], *end;
	int ret = aperture_reg_read_text(ap, name, got, sizeof(got));

	if (ret) {
		snprintf(msg, len, "%s %s: read failed: %s (%s)",
			 aperture_slot(ap), name, strerror(-ret),
			 aperture_errno_name(ret));
		return ret;
	}
	if (strtoull(got, &end, 0) == want && !*end)
		return 0;
	aperture_check_like(got, want, exp, sizeof(exp));
	snprintf(msg, len, "%s %s: expected %s, got %s", aperture_slot(ap),
		 name, exp, got);
	return 1;
}

static inline int aperture_check_reg_wait(struct aperture *ap,
					  const char *name, uint64_t want,
					  unsigned int timeout_ms, char *msg,
					  size_t len)
{
	uint64_t last = 0;
	int ret = aperture_reg_wait(ap, name, want, timeout_ms, &last);
	bool field = strchr(strchr(name, '.') ? strchr(name, '.') + 1 : "",
			    '.') != NULL;

	if (ret == -ETIMEDOUT)
		snprintf(msg, len, field ?
			 "%s %s: expected %" PRIu64 " within %u ms, last value "
			 "%" PRIu64 : "%s %s: expected 0x%" PRIx64 " within %u "
			 "ms, last value 0x%" PRIx64, aperture_slot(ap), name,
			 want, timeout_ms, last);
	else if (ret)
		snprintf(msg, len, "%s %s: read failed: %s (%s)",
			 aperture_slot(ap), name, strerror(-ret),
			 aperture_errno_name(ret));
	return ret;
}

/* Register @off (@width bytes) of BAR @bar reads @want. */
#define ck_assert_aperture_eq(ap, bar, off, width, want)                     \
	do {                                                                 \
		char ap_msg_[256];                                           \
		ck_assert_msg(!aperture_check_eq((ap), (bar), (off), (width), \
						 (want), ap_msg_,            \
						 sizeof(ap_msg_)),           \
			      "%s", ap_msg_);                                \
	} while (0)

/* Writing @val to the register succeeds. */
#define ck_assert_aperture_write(ap, bar, off, width, val)                   \
	do {                                                                 \
		char ap_where_[96];                                          \
		int ap_ret_ = aperture_write((ap), (bar), (off), (width),    \
					     (val));                         \
		aperture_check_where((ap), (bar), (off), (width), ap_where_, \
				     sizeof(ap_where_));                     \
		ck_assert_msg(!ap_ret_, "%s: write failed: %s (%s)",         \
			      ap_where_, strerror(-ap_ret_),                 \
			      aperture_errno_name(ap_ret_));                 \
	} while (0)

/* The register's bits in @mask come to equal @want's within @timeout_ms. */
#define ck_assert_aperture_wait(ap, bar, off, width, mask, want, timeout_ms) \
	do {                                                                 \
		char ap_msg_[256];                                           \
		ck_assert_msg(!aperture_check_wait((ap), (bar), (off),       \
						   (width), (mask), (want),  \
						   (timeout_ms), ap_msg_,    \
						   sizeof(ap_msg_)),         \
			      "%s", ap_msg_);                                \
	} while (0)

/* The message for a wait for an interrupt on @vector. */
static inline int aperture_check_irq(struct aperture *ap, const char *vector,
				     unsigned int timeout_ms, char *msg,
				     size_t len)
{
	int ret = aperture_irq_wait(ap, vector, timeout_ms, NULL);

	if (ret == -ETIMEDOUT)
		snprintf(msg, len, "%s irq/%s: no interrupt within %u ms",
			 aperture_slot(ap), vector, timeout_ms);
	else if (ret)
		snprintf(msg, len, "%s irq/%s: wait failed: %s (%s)",
			 aperture_slot(ap), vector, strerror(-ret),
			 aperture_errno_name(ret));
	return ret;
}

/*
 * An interrupt arrives on @vector ("intx", "msi0", ...) of an owned
 * function within @timeout_ms (or came since the vector's last read):
 * "0000:00:04.0 irq/msi0: no interrupt within 500 ms" otherwise.
 */
#define ck_assert_aperture_irq_within(ap, vector, timeout_ms)                \
	do {                                                                 \
		char ap_msg_[256];                                           \
		ck_assert_msg(!aperture_check_irq((ap), (vector),            \
						  (timeout_ms), ap_msg_,     \
						  sizeof(ap_msg_)),          \
			      "%s", ap_msg_);                                \
	} while (0)

/* The named register or field (BLOCK.REGISTER[.FIELD]) reads @want. */
#define ck_assert_aperture_reg_eq(ap, name, want)                            \
	do {                                                                 \
		char ap_msg_[256];                                           \
		ck_assert_msg(!aperture_check_reg_eq((ap), (name), (want),   \
						     ap_msg_,                \
						     sizeof(ap_msg_)),       \
			      "%s", ap_msg_);                                \
	} while (0)

/* Writing @val to the named register or field succeeds. */
#define ck_assert_aperture_reg_write(ap, name, val)                          \
	do {                                                                 \
		int ap_ret_ = aperture_reg_write((ap), (name), (val));       \
		ck_assert_msg(!ap_ret_, "%s %s: write failed: %s (%s)",      \
			      aperture_slot(ap), (name), strerror(-ap_ret_), \
			      aperture_errno_name(ap_ret_));                 \
	} while (0)

/* The named register or field comes to read @want within @timeout_ms. */
#define ck_assert_aperture_reg_wait(ap, name, want, timeout_ms)              \
	do {                                                                 \
		char ap_msg_[256];                                           \
		ck_assert_msg(!aperture_check_reg_wait((ap), (name), (want), \
						       (timeout_ms),         \
						       ap_msg_,              \
						       sizeof(ap_msg_)),     \
			      "%s", ap_msg_);                                \
	} while (0)

/* aperture_open() under the mount (NULL: the first one) succeeds. */
#define ck_assert_aperture_open(mount, dev, out)                             \
	do {                                                                 \
		int ap_ret_ = aperture_open((mount), (dev), (out));          \
		ck_assert_msg(!ap_ret_, "aperture_open %s: %s (%s)", (dev),  \
			      strerror(-ap_ret_),                            \
			      aperture_errno_name(ap_ret_));                 \
	} while (0)

#endif /* APERTURE_APERTURE_CHECK_H */
