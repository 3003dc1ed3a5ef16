// SPDX-License-Identifier: MIT
/*
 * regs_read.c - reading a description file into the model: the format is
 * chosen by the root element.
 *
 * Descriptions come from strangers (a downloaded SVD, a vendor's
 * IP-XACT), and root mounts them.  libxml2 is told never to print
 * (XML_PARSE_NOERROR | NOWARNING), never to fetch anything (NONET), never
 * to substitute entities (no NOENT) nor to lift its own limits (no HUGE).
 * A file larger than REGS_FILE_MAX, or one that declares an entity, is
 * refused before anything is built: no entity is ever expanded.  The
 * first XML error, with its line, is the regs_error the caller sees.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlversion.h>

#include "regs_internal.h"

/* The structured error hook's argument became const in libxml2 2.12. */
#if LIBXML_VERSION >= 21200
typedef const xmlError regs_xml_error;
#else
typedef xmlError regs_xml_error;
#endif

static int parse_doc(xmlDoc *doc, const char *name, struct regs_desc **out,
		     struct regs_error *err)
{
	struct regs_ctx c = { .err = err, .doc = doc };
	const xmlNode *root = xmlDocGetRootElement(doc);
	int ret;

	c.d = calloc(1, sizeof(*c.d));
	if (!c.d || !(c.d->file = strdup(name))) {
		free(c.d);
		regs_error_at(err, name, 0, "out of memory");
		return -ENOMEM;
	}
	if (regs_is(root, "device")) {
		c.d->format = REGS_FORMAT_SVD;
		ret = regs_parse_svd(&c, root);
	} else if (regs_is(root, "component") && root->ns && root->ns->href &&
		   (strstr((const char *)root->ns->href, "/IPXACT/1685-") ||
		    strstr((const char *)root->ns->href, "/SPIRIT/"))) {
		c.d->format = REGS_FORMAT_IPXACT;
		c.ns = (const char *)root->ns->href;
		ret = regs_parse_ipxact(&c, root);
	} else {
		ret = regs_fail(&c, root, "not a register description: the "
				"root element is <%s>, not an SVD <device> or "
				"an IP-XACT <component>",
				root ? (const char *)root->name : "");
	}
	regs_params_free(c.params_index);
	if (!ret)
		ret = regs_finish(&c);
	if (ret) {
		regs_free(c.d);
		return ret;
	}
	*out = c.d;
	return 0;
}

/*
 * What the parser saw that it must refuse or report: the first error
 * (libxml2 goes on after a fatal one and keeps only the last, often
 * "Premature end of data" at the end of the file) and the first entity
 * declaration.  Hung on the context's _private.
 */
struct load_watch {
	int line;			/* of the first error; 0: none */
	char msg[200];			/* its message */
	bool entity;			/* an entity was declared */
	char entity_name[64];		/* which */
	int fd;				/* regs_load_file: the file */
	size_t bytes;			/* read from it so far */
	bool too_big;			/* it grew past REGS_FILE_MAX */
};

/* libxml2's structured error hook: keep the first error only. */
static void watch_error(void *ctx, regs_xml_error *e)
{
	xmlParserCtxt *ctxt = ctx;
	struct load_watch *w = ctxt->_private;
	size_t n;

	if (w->line || e->level < XML_ERR_ERROR)
		return;
	w->line = e->line > 0 ? e->line : -1;
	snprintf(w->msg, sizeof(w->msg), "%s",
		 e->message ? e->message : "not well-formed XML");
	n = strlen(w->msg);
	while (n && (w->msg[n - 1] == '\n' || w->msg[n - 1] == ' '))
		w->msg[--n] = '\0';
}

/*
 * Any entity declaration stops the parse: a description has no use for
 * one, and an internal entity referenced many times is expanded again at
 * every reference (xmlNodeGetContent), a few KB of file growing into GBs.
 */
static void watch_entity(void *ctx, const xmlChar *name)
{
	xmlParserCtxt *ctxt = ctx;
	struct load_watch *w = ctxt->_private;

	if (!w->entity) {
		w->entity = true;
		snprintf(w->entity_name, sizeof(w->entity_name), "%s",
			 (const char *)name);
		w->line = ctxt->input ? ctxt->input->line : 0;
	}
	xmlStopParser(ctxt);
}

static void watch_entity_decl(void *ctx, const xmlChar *name, int type,
			      const xmlChar *public_id,
			      const xmlChar *system_id, xmlChar *content)
{
	watch_entity(ctx, name);
}

static void watch_unparsed_decl(void *ctx, const xmlChar *name,
				const xmlChar *public_id,
				const xmlChar *system_id,
				const xmlChar *notation)
{
	watch_entity(ctx, name);
}

/* What went wrong in a parse that gave no document, or an entity. */
static int watch_error_out(const struct load_watch *w, xmlParserCtxt *ctxt,
			   const char *name, struct regs_error *err)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);

	if (w->too_big) {
		regs_error_at(err, name, 0, "larger than %u MiB, the most a "
			 "description may have", REGS_FILE_MAX >> 20);
		return -EFBIG;
	}
	if (w->entity) {
		regs_error_at(err, name, w->line, "declares entity '%s': entity "
			 "declarations are refused (a DTD has no place in a "
			 "register description)", w->entity_name);
		return -EINVAL;
	}
	if (w->line) {
		regs_error_at(err, name, w->line > 0 ? w->line : 0, "XML: %s",
			 w->msg);
		return -EINVAL;
	}
	/* No first error seen (a libxml2 without the hook): its last. */
	regs_error_at(err, name, e ? e->line : 0, "XML: %s",
		 e && e->message ? e->message : "not well-formed XML");
	return -EINVAL;
}

/* xmlCtxtReadIO's reader: the file, refused past REGS_FILE_MAX. */
static int watch_read(void *ctx, char *buf, int len)
{
	struct load_watch *w = ctx;
	ssize_t n;

	do
		n = read(w->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	w->bytes += n;
	if (w->bytes > REGS_FILE_MAX) {
		w->too_big = true;
		return -1;
	}
	return n;
}

static int watch_close(void *ctx)
{
	return 0;
}

/* BIG_LINES: without it, lines past 65535 are all reported as 65535.
 * Never NOENT (substitute entities), DTDLOAD or HUGE (lifts libxml2's
 * own limits on depth and text sizes). */
#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | \
		     XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS | \
		     XML_PARSE_BIG_LINES)

static int load(const char *buf, size_t len, int fd, const char *name,
		struct regs_desc **out, struct regs_error *err)
{
	struct load_watch w = { .fd = fd };
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	int ret;

	if (len > REGS_FILE_MAX) {
		regs_error_at(err, name, 0, "%zu bytes, more than the %u MiB a "
			 "description may have", len, REGS_FILE_MAX >> 20);
		return -EFBIG;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		regs_error_at(err, name, 0, "out of memory");
		return -ENOMEM;
	}
	ctxt->_private = &w;
	ctxt->sax->serror = watch_error;
	ctxt->sax->entityDecl = watch_entity_decl;
	ctxt->sax->unparsedEntityDecl = watch_unparsed_decl;
	if (fd >= 0)
		doc = xmlCtxtReadIO(ctxt, watch_read, watch_close, &w, name,
				    NULL, XML_OPTIONS);
	else
		doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL,
					XML_OPTIONS);
	/* A stopped parse may still hand back what it had. */
	if (!doc || w.entity || w.too_big) {
		xmlFreeDoc(doc);
		ret = watch_error_out(&w, ctxt, name, err);
		goto out_free_ctxt;
	}
	ret = parse_doc(doc, name, out, err);
	xmlFreeDoc(doc);
out_free_ctxt:
	xmlFreeParserCtxt(ctxt);
	return ret;
}

int regs_load_file(const char *path, struct regs_desc **out,
		   struct regs_error *err)
{
	struct stat st;
	int fd, ret;

	/* libxml2 reports a missing file as XML; say it as open(2) does. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		regs_error_at(err, path, 0, "%s", strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		regs_error_at(err, path, 0, "%s", strerror(EISDIR));
		return -EISDIR;
	}
	if (S_ISREG(st.st_mode) && st.st_size > REGS_FILE_MAX) {
		close(fd);
		regs_error_at(err, path, 0, "%lld bytes, more than the %u MiB a "
			 "description may have", (long long)st.st_size,
			 REGS_FILE_MAX >> 20);
		return -EFBIG;
	}
	ret = load(NULL, 0, fd, path, out, err);
	close(fd);
	return ret;
}

int regs_load_memory(const char *buf, size_t len, const char *name,
		     struct regs_desc **out, struct regs_error *err)
{
	return load(buf, len, -1, name, out, err);
}
