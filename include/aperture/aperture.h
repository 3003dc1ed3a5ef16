/* SPDX-License-Identifier: MIT */
/*
 * aperture/aperture.h - libaperture, PCI BARs from C through an aperturefs
 * mount.
 *
 * The library opens files under a mounted aperturefs tree
 * (<mount>/<dddd:bb:dd.f>/barN, info, by-id/), so the mount's permissions
 * and the daemon's rules hold for its callers: a lab group granted with
 * gid= can use it without root.  Build with
 *
 *	cc t.c $(pkg-config --cflags --libs aperture)
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; none prints, none exits; aperture_last_error() says why the
 * last call on a handle failed.  One struct aperture is one PCI function;
 * it is not thread-safe (use one per thread).
 */
#ifndef APERTURE_APERTURE_H
#define APERTURE_APERTURE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ---------------------------------------------------------- */

/*
 * The version of this header as one number, major << 16 | minor << 8 |
 * patch (0x000200 is 0.2.0), for #if, as libpci's PCI_LIB_VERSION.
 * aperture_version() is the library's own, at run time.
 */
#define APERTURE_LIB_VERSION	0x000400

/* The version of the library loaded, in APERTURE_LIB_VERSION's form. */
unsigned int aperture_version(void);

/* ---- Opening a function ---------------------------------------------- */

/* One PCI function of a mount, with its BAR files opened on first use. */
struct aperture;

/* Longest path the library builds or reports, with its NUL. */
#define APERTURE_PATH_MAX	512
/* Longest slot, "ddddd:bb:dd.f", with its NUL. */
#define APERTURE_SLOT_MAX	16
/* BAR0..BAR5. */
#define APERTURE_NR_BARS	6

/*
 * The mount point of the first fuse.aperturefs mount in
 * /proc/self/mountinfo, into @buf.  -ENOENT if nothing is mounted,
 * -ENAMETOOLONG if @len is too short.
 */
int aperture_find_mount(char *buf, size_t len);

/*
 * The functions under @mount (NULL: aperture_find_mount()) that lspci
 * would list for "-s @slot -d @id" (either may be NULL; libpci parses
 * both: "04.0", "00:04", "0000:00:04.0"; "1234:", "1234:11e8",
 * "::00ff"), in slot order: the first @max slots ("dddd:bb:dd.f") into
 * @slots.  Returns how many match (possibly more than @max), or -errno:
 * -EINVAL for a syntax error, with libpci's reason in *@why if @why is
 * not NULL.  Only the mount is read (directory names and info files).
 */
int aperture_match(const char *mount, const char *slot, const char *id,
		   char (*slots)[APERTURE_SLOT_MAX], size_t max,
		   const char **why);

/*
 * Open the function @dev under @mount (NULL: aperture_find_mount()).
 * @dev is "-s SLOT" or "-d ID" in lspci's syntax (aperture_match()), or
 * without the option as aperturefs -o filter= reads it: with a '.' a
 * slot, else an id, and a bare "bb:dd" is refused as ambiguous.  Exactly
 * one function must match: -ENOENT if none, -ENOTUNIQ if several, -EINVAL
 * for a syntax error.  For compatibility "vvvv:dddd" and "vvvv:dddd-N"
 * (the mount's by-id/ links) name the first or the Nth such function.
 */
int aperture_open(const char *mount, const char *dev, struct aperture **out);

/* Close every BAR file and mapping and free @ap (NULL is allowed). */
void aperture_close(struct aperture *ap);

/* The function's slot, "dddd:bb:dd.f". */
const char *aperture_slot(const struct aperture *ap);

/* The mount point @ap was opened under. */
const char *aperture_mount(const struct aperture *ap);

/*
 * The size of BAR @bar in bytes.  -ENOENT if the function has no such
 * BAR, -EINVAL if @bar is not 0-5.
 */
int aperture_bar_size(struct aperture *ap, int bar, uint64_t *size);

/*
 * Whether BAR @bar may be accessed as @mode says (R_OK, W_OK of
 * <unistd.h>, or 0 for its existence), without accessing it: 0, -ENOENT
 * if the function has no such BAR, -EACCES if the mount refuses it (no
 * such permission bit for anyone, or none for the caller).
 */
int aperture_bar_access(struct aperture *ap, int bar, int mode);

/*
 * The value of line "@key: value" of the function's info file (for
 * example "bar0.mmap" or "name"), into @buf.  -ENOENT if there is none.
 */
int aperture_info(struct aperture *ap, const char *key, char *buf,
		  size_t len);

/* ---- Register access -------------------------------------------------- */

/*
 * Read or write one value of @width bytes (1, 2, 4 or 8) at @off of BAR
 * @bar, as one naturally aligned access of exactly that width, never
 * split and never wider (what arm64's Device memory demands of a
 * register BAR's mapping):
 *  - where the mount maps BAR files onto the device itself (FUSE
 *    passthrough: info's "barN.mmap: yes"), one volatile load or store of
 *    @width bytes on a shared mapping of the BAR, made at the first access
 *    (an 8-byte access on a 32-bit build goes the file's way);
 *  - elsewhere, one pread/pwrite of @width bytes on the BAR file, so the
 *    daemon and the module see that width (within the module's rules for
 *    the BAR: a register BAR is read 32 bits at a time unless the mount
 *    has a width).
 * A mapping is used only when /proc/self/smaps shows it is I/O memory
 * (the module's mapping of the BAR): never page cache (of the FUSE file,
 * or of a fake machine's backing file); and where the BAR has a width
 * (info's "barN.width: 32": a register BAR, or a mount's -o width=N) only
 * for accesses of that width, which the module would make as they are:
 * others go to the file, where the module applies its rule (a dword read
 * and the bytes picked, or EINVAL).  Values are in the
 * CPU's order; the device's bytes are little endian, as PCI is.  -EINVAL
 * for another width or an @off not a multiple of it (never split),
 * -ERANGE past the end of the BAR, else the errno of the access.  On a
 * mapping, a function removed or claimed by a driver while @ap is open
 * makes the next access SIGBUS, as for any mapping of it: tests that
 * remove devices set APERTURE_ACCESS_FILE and get -ENODEV instead.
 */
int aperture_read(struct aperture *ap, int bar, uint64_t off,
		  unsigned int width, uint64_t *val);
int aperture_write(struct aperture *ap, int bar, uint64_t off,
		   unsigned int width, uint64_t val);

/*
 * Read-modify-write: the bits of @mask get the bits of @val, the others
 * keep what a read gave.  The old value goes to @old if not NULL.
 */
int aperture_update(struct aperture *ap, int bar, uint64_t off,
		    unsigned int width, uint64_t val, uint64_t mask,
		    uint64_t *old);

static inline int aperture_read8(struct aperture *ap, int bar, uint64_t off,
				 uint8_t *v)
{
	uint64_t x;
	int ret = aperture_read(ap, bar, off, 1, &x);

	if (!ret)
		*v = (uint8_t)x;
	return ret;
}

static inline int aperture_read16(struct aperture *ap, int bar, uint64_t off,
				  uint16_t *v)
{
	uint64_t x;
	int ret = aperture_read(ap, bar, off, 2, &x);

	if (!ret)
		*v = (uint16_t)x;
	return ret;
}

static inline int aperture_read32(struct aperture *ap, int bar, uint64_t off,
				  uint32_t *v)
{
	uint64_t x;
	int ret = aperture_read(ap, bar, off, 4, &x);

	if (!ret)
		*v = (uint32_t)x;
	return ret;
}

static inline int aperture_read64(struct aperture *ap, int bar, uint64_t off,
				  uint64_t *v)
{
	return aperture_read(ap, bar, off, 8, v);
}

static inline int aperture_write8(struct aperture *ap, int bar, uint64_t off,
				  uint8_t v)
{
	return aperture_write(ap, bar, off, 1, v);
}

static inline int aperture_write16(struct aperture *ap, int bar,
				   uint64_t off, uint16_t v)
{
	return aperture_write(ap, bar, off, 2, v);
}

static inline int aperture_write32(struct aperture *ap, int bar,
				   uint64_t off, uint32_t v)
{
	return aperture_write(ap, bar, off, 4, v);
}

static inline int aperture_write64(struct aperture *ap, int bar,
				   uint64_t off, uint64_t v)
{
	return aperture_write(ap, bar, off, 8, v);
}

/*
 * Bulk transfer of @len bytes at @off (one pread/pwrite of the BAR file,
 * never a copy on a mapping; the module cuts it into naturally aligned
 * accesses by the BAR's rules, so any @off and @len are safe on a
 * register BAR).  Returns the bytes moved or
 * -errno; -ERANGE if the range leaves the BAR.
 */
long aperture_pread(struct aperture *ap, int bar, uint64_t off, void *buf,
		    size_t len);
long aperture_pwrite(struct aperture *ap, int bar, uint64_t off,
		     const void *buf, size_t len);

/* ---- Waiting ---------------------------------------------------------- */

/*
 * Poll until (value & @mask) == (@want & @mask) or @timeout_ms passed
 * (Check's default test timeout is 4 s: take one below it).  Each poll is
 * one read as aperture_read() makes it, on the BAR opened once; the pause
 * between polls starts at 10 us and doubles up to 10 ms, so a wait costs
 * about 100 reads a second however long it lasts, and a change is seen
 * within about 10 ms.  The last value read goes to @last if not NULL, on
 * success and on timeout alike.  0 on a match, -ETIMEDOUT when time ran
 * out, else the read's -errno.
 */
int aperture_wait(struct aperture *ap, int bar, uint64_t off,
		  unsigned int width, uint64_t mask, uint64_t want,
		  unsigned int timeout_ms, uint64_t *last);

/* ---- Interrupts of an owned function ---------------------------------- */

/*
 * Wait up to @timeout_ms for an interrupt on vector @vector ("intx",
 * "msi0", "msix3") of a function the mount shows as owned (its irq/ with
 * the vector enabled: `echo msi 1 > irq/mode`; docs/dma-irq.md): one
 * read of <fn>/irq/<vector>, which returns at once if interrupts came
 * since the vector's last read (by anyone), else when one comes.  The
 * number that came goes to @count if not NULL.  0, -ETIMEDOUT when
 * none came in time, -ENOENT if the function is not owned or the vector
 * not enabled, -ENODEV once the vector is gone (its mode changed, the
 * function was released), -EINVAL for a name that is no vector.
 * (Since 0.4.0.)
 */
int aperture_irq_wait(struct aperture *ap, const char *vector,
		      unsigned int timeout_ms, uint64_t *count);

/* ---- Registers by name ------------------------------------------------ */

/*
 * @name is BLOCK.REGISTER or BLOCK.REGISTER.FIELD of the register
 * descriptions the mount was given (aperturefs -o regs=): the file
 * <fn>/regs/BLOCK/REGISTER[.FIELD], which the daemon serves from its
 * description model.  -ENOENT if the mount has no such register (or no
 * description for the function), -EINVAL for a malformed name or a value
 * the daemon refuses (it does not fit, or names no value:
 * aperture_last_error() says why), -EACCES for a read-only register.
 */
int aperture_reg_read(struct aperture *ap, const char *name, uint64_t *val);
int aperture_reg_write(struct aperture *ap, const char *name, uint64_t val);

/*
 * Whether register or field @name exists and may be read (R_OK) or
 * written (W_OK) by the caller, as aperture_bar_access(), without
 * accessing it: -ENOENT, -EACCES or -EINVAL (a malformed name).
 */
int aperture_reg_access(struct aperture *ap, const char *name, int mode);

/* The value as the daemon shows it ("0x010000ed", "1"), no newline. */
int aperture_reg_read_text(struct aperture *ap, const char *name, char *buf,
			   size_t len);

/* Write @text as given: decimal, 0x hex, or an enumerated value name. */
int aperture_reg_write_text(struct aperture *ap, const char *name,
			    const char *text);

/*
 * aperture_wait() for a named register or field: until it reads @want.
 * The register's file is opened once and read at offset 0 per poll (each
 * such read is one access of the register), with aperture_wait()'s pauses.
 */
int aperture_reg_wait(struct aperture *ap, const char *name, uint64_t want,
		      unsigned int timeout_ms, uint64_t *last);

/*
 * The function's registers file (one line per described register,
 * "bar<N> 0x<OFFSET> <BLOCK> <REGISTER> 0x<VALUE> <FIELD>=<DEC>...") into
 * a malloc'ed string *@text.
 */
int aperture_snapshot(struct aperture *ap, char **text);

/*
 * Compare two snapshots: per register whose line changed, one line
 * "BLOCK.REGISTER 0xOLD -> 0xNEW: FIELD OLD -> NEW, ..." (fields that
 * changed), and "BLOCK.REGISTER only before|after: VALUE" for registers
 * in one of them.  *@text (malloc'ed) gets the lines; returns their
 * count, or -EINVAL if a snapshot is not in the registers format.
 */
int aperture_diff(const char *before, const char *after, char **text);

/* ---- Mapping ---------------------------------------------------------- */

/*
 * Map the whole of BAR @bar shared (read and write) where the mount
 * offers mmap of BAR files (FUSE passthrough).  A register BAR's mapping
 * is uncached device memory (Device memory on arm64): touch it only with
 * volatile, naturally aligned loads and stores of the register's width
 * (aperture_read() and friends do); memcpy(), memset() and string
 * functions make unaligned and wide accesses, which fault there (SIGBUS)
 * or reach registers they should not: copy ranges with aperture_pread()
 * and aperture_pwrite().  On success *@addr and
 * *@len describe the mapping, owned by @ap until aperture_unmap() or
 * aperture_close().  On failure the -errno of mmap is returned and, if
 * @why is not NULL, the reason the mount gives for it (the text in
 * parentheses of info's "barN.mmap: no (...)" line, which is the
 * mount's and the same for every caller, or the errno's message when info
 * has none); aperture_last_error() says it too, with the function and BAR.
 */
int aperture_map(struct aperture *ap, int bar, volatile void **addr,
		 size_t *len, char *why, size_t whylen);
int aperture_unmap(struct aperture *ap, int bar);

/* ---- How accesses reach the device ------------------------------------ */

/* aperture_read()/aperture_write() through a mapping where it is the
 * device itself, else through the BAR file (the default). */
#define APERTURE_ACCESS_AUTO	0
/* Always one pread/pwrite of the BAR file: the daemon and `aperture
 * trace` see every access, and a removed function gives -ENODEV. */
#define APERTURE_ACCESS_FILE	1

/*
 * How aperture_read(), aperture_write(), aperture_update() and
 * aperture_wait() reach the device from now on (a mapping made for them
 * is dropped).  aperture_open() starts with APERTURE_ACCESS_FILE if the
 * environment has APERTURE_ACCESS=file, else APERTURE_ACCESS_AUTO.
 * -EINVAL for another @how.
 */
int aperture_set_access(struct aperture *ap, int how);

/* ---- Errors ----------------------------------------------------------- */

/* The symbolic name of an errno value (either sign): "ENOENT", or NULL. */
const char *aperture_errno_name(int err);

/*
 * Why the last access on @ap that failed did (a read, write, update,
 * range, wait, named register call, snapshot or map; the checks without
 * access, aperture_info() and aperture_bar_size() leave it alone), as one
 * line naming the function, the BAR, offset and width or the register,
 * and the reason
 * ("0000:00:04.0 bar0 0x100000.l: read: past the end of bar0 (0x100000
 * bytes)", "0000:00:04.0 regs/edu/LIVENESS: 'abc': not a number");
 * "" if none failed.  Kept in @ap, so other handles and processes never
 * change it; valid until the next call on @ap.
 */
const char *aperture_last_error(const struct aperture *ap);

#ifdef __cplusplus
}
#endif

#endif /* APERTURE_APERTURE_H */
