// SPDX-License-Identifier: MIT
/*
 * regs_check.c - what a register or field write would do, known before
 * it is done: the checks that a write to a register file makes before its
 * first access, and regs/.check, which makes them on request with no
 * access at all.
 *
 * regs/.check is a transaction file (as nfsd's): one write(2) is one
 * request, and a read of the same open file then returns its answer.
 *
 *   write BLOCK.REGISTER[.FIELD]=VALUE   would this write be done?
 *   wait BLOCK.REGISTER[.FIELD]=VALUE    may this be waited for?
 *   read BLOCK.REGISTER[.FIELD]          may this be read?
 *
 * The write(2) fails with the errno the real operation would give:
 * ENOENT (no such register), EACCES (read-only, write-only), EROFS (-o ro,
 * for a write), ENXIO (the function has no such BAR), EINVAL (the value:
 * not a number, too wide, no such value name), EPERM (a field write that
 * would read a register whose read has a side effect, or set or clear
 * another field; a wait on a register whose read has a side effect).
 * The answer is then one line saying why ("regs/edu/STATUS.IRQ_ENABLE:
 * '2': does not fit in 1 bit"); after a success it is the value as the
 * file shows it (a field in decimal, a register in hex: what a write
 * would store, what a wait waits for), or "ok" for a read.  Names of
 * enumerated values are translated so: a wait for MODE=BUSY compares the
 * number the field file shows.  A 64-bit register on a backend without
 * 8-byte access is found out only by the real open (EOPNOTSUPP).
 *
 * A mount with -o ro takes no write at all, so there the same request is
 * the name of an extended attribute of regs/.check, after "user."
 * (getfattr -n 'user.wait edu.STATUS.MODE=BUSY' regs/.check): its value
 * is the answer of a success, and a refusal is the getxattr's errno
 * (without the line saying why).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regs_tree.h"

int ap_regs_write_ok(const struct ap_regs_node *n, const char *text,
		     size_t len, uint64_t *v, char *msg, size_t msglen)
{
	char why[REGS_WHY_LEN];
	int ret;

	ret = regs_parse_value(n->reg, n->field, text, len, v, why,
			       sizeof(why));
	if (!ret && n->field)
		ret = regs_field_write_check(n->reg, n->field, why,
					     sizeof(why));
	if (ret)
		snprintf(msg, msglen, "regs/%s/%s%s%s: '%.*s': %s",
			 n->block->name, n->reg->name, n->field ? "." : "",
			 n->field ? n->field->name : "",
			 (int)(len && text[len - 1] == '\n' ? len - 1 : len),
			 text, why);
	return ret;
}

/* "regs/BLOCK/REGISTER[.FIELD]" of @n into @buf. */
static void node_name(const struct ap_regs_node *n, char *buf, size_t len)
{
	snprintf(buf, len, "regs/%s/%s%s%s", n->block->name, n->reg->name,
		 n->field ? "." : "", n->field ? n->field->name : "");
}

/* The value @v of @n as its file shows it, with a newline. */
static char *shown(const struct ap_regs_node *n, uint64_t v)
{
	char num[REGS_VALUE_LEN], *s;

	if (n->field)
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	else
		regs_format_register(n->reg, v, num, sizeof(num));
	return asprintf(&s, "%s\n", num) < 0 ? NULL : s;
}

/* Resolve BLOCK.REGISTER[.FIELD] (@len bytes of @s) under @dir. */
static int resolve(const struct ap_regs_node *dir, const char *s, size_t len,
		   struct ap_regs_node *n)
{
	char name[512];
	const char *dot;
	int k;

	if (len >= sizeof(name))
		return -ENOENT;
	snprintf(name, sizeof(name), "%.*s", (int)len, s);
	dot = strchr(name, '.');
	if (!dot)
		return -ENOENT;
	name[dot - name] = 0;
	k = ap_regs_block_index(dir->dev, name);
	if (k < 0)
		return -ENOENT;
	*n = *dir;
	n->block = dir->dev->blks[k].b;
	if (regs_lookup(n->block, dot + 1, &n->reg, &n->field))
		return -ENOENT;
	n->kind = n->field ? AP_REGS_FIELD : AP_REGS_REG;
	return 0;
}

/* The checks of one request; the answer's line into @msg. */
static int check(struct ap_fs *fs, const struct ap_regs_node *dir,
		 const char *req, size_t len, uint64_t *v, int *verb,
		 struct ap_regs_node *n, char *msg, size_t msglen)
{
	static const char *const verbs[] = { "read ", "write ", "wait " };
	const char *name, *eq, *end = req + len;
	char what[600], why[REGS_WHY_LEN];
	unsigned int want;
	int ret;

	while (end > req && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	/* @req is @len bytes, not a string: never read past @end. */
	for (*verb = 0; *verb < 3; (*verb)++)
		if (strlen(verbs[*verb]) <= (size_t)(end - req) &&
		    !memcmp(req, verbs[*verb], strlen(verbs[*verb])))
			break;
	name = *verb < 3 ? req + strlen(verbs[*verb]) : NULL;
	eq = name ? memchr(name, '=', end - name) : NULL;
	if (!name || (*verb == 0) != !eq || (eq && eq + 1 == end)) {
		snprintf(msg, msglen, "'%.*s': not a request (write|wait "
			 "BLOCK.REGISTER[.FIELD]=VALUE, read "
			 "BLOCK.REGISTER[.FIELD])", (int)(end - req), req);
		return -EINVAL;
	}
	ret = resolve(dir, name, (eq ? eq : end) - name, n);
	if (ret) {
		snprintf(msg, msglen, "%.*s: no such register or field",
			 (int)((eq ? eq : end) - name), name);
		return ret;
	}
	node_name(n, what, sizeof(what));
	want = *verb == 1 ? REGS_WRITE : REGS_READ;
	if (want & ~ap_regs_rights(n)) {
		snprintf(msg, msglen, "%s: %s", what, want == REGS_WRITE ?
			 "cannot be written (read-only)" :
			 "cannot be read (write-only)");
		return -EACCES;
	}
	if (*verb == 1 && fs->ro) {
		snprintf(msg, msglen, "%s: the mount is read-only (-o ro)",
			 what);
		return -EROFS;
	}
	if (!ap_func_has_bar(&n->entry->func, n->block->bar)) {
		snprintf(msg, msglen, "%s: the function has no bar%d", what,
			 n->block->bar);
		return -ENXIO;
	}
	if (*verb == 1)
		return ap_regs_write_ok(n, eq + 1, end - eq - 1, v, msg,
					msglen);
	if (*verb == 2 && n->reg->read_action) {
		snprintf(msg, msglen, "%s: reading %s has a side effect "
			 "(readAction): a wait would consume what it waits "
			 "for", what, n->reg->name);
		return -EPERM;
	}
	if (*verb == 2) {
		ret = regs_parse_match(n->reg, n->field, eq + 1, end - eq - 1,
				       v, why, sizeof(why));
		if (ret)
			snprintf(msg, msglen, "%s: '%.*s': %s", what,
				 (int)(end - eq - 1), eq + 1, why);
	}
	return ret;
}

int ap_regs_check(struct ap_fs *fs, const struct ap_regs_node *dir,
		  const char *req, size_t len, char **answer)
{
	struct ap_regs_node n;
	char msg[1024];
	uint64_t v = 0;
	int verb, ret;

	ret = check(fs, dir, req, len, &v, &verb, &n, msg, sizeof(msg));
	if (!ret && verb == 0)
		*answer = strdup("ok\n");
	else if (!ret)
		*answer = shown(&n, v);
	else if (asprintf(answer, "%s\n", msg) < 0)
		*answer = NULL;
	return *answer ? ret : -ENOMEM;
}

bool ap_regs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		      size_t size)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_regs_node n;
	char *answer = NULL;
	size_t len;
	int ret;

	if (!ap_regs_ino(ino))
		return false;
	ret = ap_regs_node(fs, ino, &n);
	if (!ret && (n.kind != AP_REGS_CHECK || strncmp(name, "user.", 5)))
		ret = -ENODATA;
	if (!ret)
		ret = ap_regs_check(fs, &n, name + 5, strlen(name + 5),
				    &answer);
	len = answer ? strlen(answer) : 0;
	if (!ret && size && size < len)
		ret = -ERANGE;
	if (ret)
		fuse_reply_err(req, -ret);
	else if (!size)
		fuse_reply_xattr(req, len);
	else
		fuse_reply_buf(req, answer, len);
	free(answer);
	return true;
}
