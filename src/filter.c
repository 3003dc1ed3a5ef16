// SPDX-License-Identifier: MIT
/*
 * filter.c - which functions to expose, in lspci's -s / -d syntax.
 *
 * Parsing is libpci's own (pci_filter_parse_slot, pci_filter_parse_id), so
 * a device is named exactly as `lspci -s` and `lspci -d` name it.  Matching
 * is done here on struct ap_func with libpci's rules (pci_filter_match
 * wants a struct pci_dev, which a scan result no longer is).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "aperture.h"

#define AP_FILTER_AMBIGUOUS \
	"ambiguous: a bus:device slot or a vendor:device id? write -s for " \
	"the slot or -d for the id (e.g. -s00:04 or -d 1234:11e8)"

struct ap_filter_list {
	struct pci_filter *f;	/* entries, OR-ed */
	size_t n;		/* entries in use */
	size_t cap;		/* entries allocated */
};

struct ap_filter_list *ap_filter_list_new(void)
{
	return calloc(1, sizeof(struct ap_filter_list));
}

void ap_filter_list_free(struct ap_filter_list *fl)
{
	if (!fl)
		return;
	free(fl->f);
	free(fl);
}

size_t ap_filter_count(const struct ap_filter_list *fl)
{
	return fl ? fl->n : 0;
}

/* Skip "-s"/"-d" and blanks after it; *@kind gets 's', 'd' or 0. */
static const char *ap_filter_prefix(const char *s, char *kind)
{
	*kind = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (s[0] == '-' && (s[1] == 's' || s[1] == 'd')) {
		*kind = s[1];
		s += 2;
		while (*s == ' ' || *s == '\t' || *s == '=')
			s++;
	}
	return s;
}

/*
 * A bare "bb:dd" (one ':' and no '.') that lspci -s would read as a slot
 * and lspci -d as a vendor:device id: guessing either would surprise.
 */
static bool ap_filter_ambiguous(const char *s)
{
	struct pci_filter pf;
	const char *colon = strchr(s, ':');
	char *copy;
	bool slot;

	if (strchr(s, '.') || !colon || strchr(colon + 1, ':'))
		return false;
	copy = strdup(s);
	if (!copy)
		return false;
	pci_filter_init(NULL, &pf);
	slot = !pci_filter_parse_slot(&pf, copy);
	free(copy);
	return slot;
}

/* Append @pf to @fl; 0 or -ENOMEM. */
static int ap_filter_push(struct ap_filter_list *fl,
			  const struct pci_filter *pf)
{
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? 2 * fl->cap : 4;
		struct pci_filter *tmp = realloc(fl->f, cap * sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		fl->f = tmp;
		fl->cap = cap;
	}
	fl->f[fl->n++] = *pf;
	return 0;
}

int ap_filter_add(struct ap_filter_list *fl, const char *entry,
		  const char **why)
{
	struct pci_filter pf;
	const char *spec;
	char *copy, *err;
	char kind;
	size_t len;

	spec = ap_filter_prefix(entry, &kind);
	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	len = strlen(copy);
	while (len && (copy[len - 1] == ' ' || copy[len - 1] == '\t'))
		copy[--len] = 0;
	if (!len) {
		free(copy);
		if (why)
			*why = "empty filter";
		return -EINVAL;
	}
	if (!kind && ap_filter_ambiguous(copy)) {
		free(copy);
		if (why)
			*why = AP_FILTER_AMBIGUOUS;
		return -EINVAL;
	}
	if (!kind)
		kind = strchr(copy, '.') ? 's' : 'd';

	pci_filter_init(NULL, &pf);
	if (kind == 's')
		err = pci_filter_parse_slot(&pf, copy);
	else
		err = pci_filter_parse_id(&pf, copy);
	free(copy);
	if (err) {
		if (why)
			*why = err;
		return -EINVAL;
	}
	return ap_filter_push(fl, &pf);
}

int ap_filter_add_lspci(struct ap_filter_list *fl, const char *slot,
			const char *id, const char **why)
{
	const char *spec[2] = { slot, id };
	struct pci_filter pf;

	pci_filter_init(NULL, &pf);
	for (int i = 0; i < 2; i++) {
		char *copy, *err;

		if (!spec[i])
			continue;
		copy = strdup(spec[i]);
		if (!copy)
			return -ENOMEM;
		err = i ? pci_filter_parse_id(&pf, copy) :
			  pci_filter_parse_slot(&pf, copy);
		free(copy);
		if (err) {
			if (why)
				*why = err;
			return -EINVAL;
		}
	}
	return ap_filter_push(fl, &pf);
}

int ap_filter_add_list(struct ap_filter_list *fl, const char *list,
		       char *bad, size_t bad_len, const char **why)
{
	const char *p = list, *end;
	char *one;
	int ret;

	while (*p) {
		end = p + strcspn(p, ";");	/* strchrnul is glibc's */
		one = strndup(p, end - p);
		if (!one)
			return -ENOMEM;
		if (strspn(one, " \t") != strlen(one)) {
			ret = ap_filter_add(fl, one, why);
			if (ret < 0) {
				if (bad && bad_len) {
					strncpy(bad, one, bad_len - 1);
					bad[bad_len - 1] = 0;
				}
				free(one);
				return ret;
			}
		}
		free(one);
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* libpci's pci_filter_match(), on a scan result. */
static bool ap_filter_match_one(const struct pci_filter *pf,
				const struct ap_func *f)
{
	if ((pf->domain >= 0 && (uint32_t)pf->domain != f->domain) ||
	    (pf->bus >= 0 && pf->bus != f->bus) ||
	    (pf->slot >= 0 && pf->slot != f->dev) ||
	    (pf->func >= 0 && pf->func != f->func))
		return false;
	if ((pf->vendor >= 0 && pf->vendor != f->vendor_id) ||
	    (pf->device >= 0 && pf->device != f->device_id))
		return false;
	if (pf->device_class >= 0 &&
	    ((pf->device_class ^ f->class_id) & pf->device_class_mask))
		return false;
	if (pf->prog_if >= 0 && pf->prog_if != f->prog_if)
		return false;
	return true;
}

bool ap_filter_match(const struct ap_filter_list *fl, const struct ap_func *f)
{
	if (!fl || !fl->n)
		return true;
	for (size_t i = 0; i < fl->n; i++)
		if (ap_filter_match_one(&fl->f[i], f))
			return true;
	return false;
}
