// SPDX-License-Identifier: MIT
/*
 * regs_xml.c - small libxml2 helpers the description parsers share:
 * children by local name (SVD has no namespace, IP-XACT has one of four),
 * trimmed texts, attributes, and the access strings both formats use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regs_internal.h"

bool regs_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE &&
	       !strcmp((const char *)n->name, name);
}

xmlNode *regs_child(const xmlNode *n, const char *name)
{
	xmlNode *k;

	if (!n)
		return NULL;
	for (k = n->children; k; k = k->next)
		if (regs_is(k, name))
			return k;
	return NULL;
}

xmlNode *regs_next_same(const xmlNode *n)
{
	xmlNode *k;

	for (k = n->next; k; k = k->next)
		if (regs_is(k, (const char *)n->name))
			return k;
	return NULL;
}

/* @s without leading and trailing blanks, in a new string. */
static char *trim(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
		     s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return strndup(s, n);
}

char *regs_text(const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s;

	s = trim(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

char *regs_child_text(const xmlNode *n, const char *name)
{
	const xmlNode *k = regs_child(n, name);

	return k ? regs_text(k) : NULL;
}

char *regs_attr(const xmlNode *n, const char *name)
{
	xmlAttr *a;

	for (a = n->properties; a; a = a->next)
		if (!strcmp((const char *)a->name, name)) {
			xmlChar *v = xmlNodeGetContent((xmlNode *)a);
			char *s = trim(v ? (const char *)v : "");

			xmlFree(v);
			return s;
		}
	return NULL;
}

int regs_parse_access(const char *s, unsigned int *access)
{
	static const struct {
		const char *name;
		unsigned int bits;
	} names[] = {
		{ "read-only", REGS_READ },
		{ "write-only", REGS_WRITE },
		{ "read-write", REGS_READ | REGS_WRITE },
		{ "writeOnce", REGS_WRITE | REGS_ONCE },
		{ "read-writeOnce", REGS_READ | REGS_WRITE | REGS_ONCE },
		{ "no-access", 0 },		/* IP-XACT 2022 */
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name)) {
			*access = names[i].bits;
			return 0;
		}
	return -EINVAL;
}
