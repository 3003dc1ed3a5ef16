// SPDX-License-Identifier: MIT
/*
 * report.c - aperture-bench: results as tables, CSV and README markdown.
 */
#include "ab.h"

/* ------------------------------------------------------------------ */
/* Results                                                            */
/* ------------------------------------------------------------------ */

const struct cell *find(const struct bar_ctx *b, const char *op,
			const char *kind, size_t size, enum path_id p)
{
	for (size_t i = 0; i < ncells; i++) {
		const struct cell *x = &cells[i];

		if (x->b == b && !strcmp(x->op, op) &&
		    !strcmp(x->kind, kind) && x->size == size && x->p == p)
			return x->ok ? x : NULL;
	}
	return NULL;
}

/* Throughput of @x relative to @ref (time ratio), NAN if either lacks. */
double ratio(const struct cell *x, const struct cell *ref)
{
	if (!x || !ref || !x->ok || !ref->ok || x->med <= 0)
		return NAN;
	return ref->med / x->med;
}

double mbps(const struct cell *x)
{
	return x->size * 1e3 / x->med;
}

void size_name(size_t s, char *buf, size_t len)
{
	if (s >= (1u << 20) && !(s % (1u << 20)))
		snprintf(buf, len, "%zu MiB", s >> 20);
	else if (s >= 1024 && !(s % 1024))
		snprintf(buf, len, "%zu KiB", s >> 10);
	else
		snprintf(buf, len, "%zu B", s);
}

void time_name(double ns, char *buf, size_t len)
{
	if (ns >= 1e6)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
}

void fmt_ratio(double r, char *buf, size_t len)
{
	if (isnan(r))
		snprintf(buf, len, "-");
	else if (r >= 0.1)
		snprintf(buf, len, "%.2f", r);
	else
		snprintf(buf, len, "%.1e", r);
}

void print_csv(void)
{
	printf("CSVH,world,kernel,release,bar,op,kind,size,path,label,status,"
	       "median_ns,q1_ns,q3_ns,min_ns,max_ns,samples,calls_per_sample,"
	       "mb_per_s,vs_mapping,vs_module,note\n");
	for (size_t i = 0; i < ncells; i++) {
		const struct cell *x = &cells[i];
		const struct cell *lim, *mod;
		const char *kind = x->kind;

		if (!x->ok) {
			printf("CSV,%s,%s,%s,%s,%s,%s,%zu,%s,%s,n/a,,,,,,,,,,,"
			       "\"%s\"\n",
			       opt.world, opt.kernel, opt.release, x->b->name,
			       x->op, kind, x->size, path_desc[x->p].key,
			       path_desc[x->p].label + 2, x->na);
			continue;
		}
		lim = find(x->b, x->op, kind, x->size, P_MAP);
		mod = find(x->b, x->op, kind, x->size, P_MODULE);
		printf("CSV,%s,%s,%s,%s,%s,%s,%zu,%s,%s,ok,%.1f,%.1f,%.1f,%.1f,"
		       "%.1f,%d,%ld,%.4f,%.4g,%.4g,\n",
		       opt.world, opt.kernel, opt.release, x->b->name, x->op,
		       kind, x->size, path_desc[x->p].key,
		       path_desc[x->p].label + 2, x->med, x->q1, x->q3, x->min,
		       x->max, x->n, x->k, mbps(x), ratio(x, lim),
		       ratio(x, mod));
	}
}

/* One row of a human table: the read and write columns of one path. */
static void print_row(const struct bar_ctx *b, const char *kind, size_t size,
		      enum path_id p, const struct cell *floor_rd)
{
	printf("%-40s", path_desc[p].label);
	for (int w = 0; w < 2; w++) {
		const char *op = w ? "write" : "read";
		const struct cell *x = find(b, op, kind, size, p), *any = NULL;
		char t[32], r1[16], r2[16], sp[16];

		for (size_t i = 0; i < ncells; i++)
			if (cells[i].b == b && !strcmp(cells[i].op, op) &&
			    !strcmp(cells[i].kind, kind) &&
			    cells[i].size == size && cells[i].p == p)
				any = &cells[i];
		if (!any) {
			printf(" | %-41s", "");
			continue;
		}
		if (!x) {
			printf(" | n/a: %-36.36s", any->na);
			continue;
		}
		time_name(x->med, t, sizeof(t));
		snprintf(sp, sizeof(sp), "%.0f%%",
			 50.0 * (x->q3 - x->q1) / x->med);
		fmt_ratio(ratio(x, find(b, op, kind, size, P_MAP)), r1,
			  sizeof(r1));
		fmt_ratio(ratio(x, find(b, op, kind, size, P_MODULE)), r2,
			  sizeof(r2));
		if (!strcmp(kind, "reg") || size < 64)
			printf(" | %9s %9s ±%-4s %7s %6s", "", t, sp, r1, r2);
		else
			printf(" | %9.4g %9s ±%-4s %7s %6s", mbps(x), t, sp,
			       r1, r2);
	}
	if (p == P_DAEMON && floor_rd) {
		const struct cell *x = find(b, "read", kind, size, p);

		if (x)
			printf(" | %.2fx floor", x->med / floor_rd->med);
	}
	printf("\n");
}

void print_table(const struct bar_ctx *b, const char *kind,
		 size_t size)
{
	static const enum path_id order[] = {
		P_FAKE, P_DAEMON, P_PT, P_MODULE, P_MAP, P_SYSFS, P_DEVMEM,
		P_DD, P_FLOOR, P_SPAWN,
	};
	const struct cell *floor_rd = find(b, "read", kind, size, P_FLOOR);
	char sz[32];
	bool any = false;

	for (size_t i = 0; i < ncells; i++)
		if (cells[i].b == b && !strcmp(cells[i].kind, kind) &&
		    cells[i].size == size)
			any = true;
	if (!any)
		return;
	size_name(size, sz, sizeof(sz));
	printf("\n%s, %s\n", b->title,
	       !strcmp(kind, "reg") ?
		       "one 4-byte register access per call (read 0x00 "
		       "identity, write 0x04 liveness)" :
		       "sequential");
	if (strcmp(kind, "reg"))
		printf("  %s per call\n", sz);
	printf("%-40s | %-41s | %-41s\n", "path", "read", "write");
	printf("%-40s | %9s %9s %-5s %7s %6s | %9s %9s %-5s %7s %6s\n", "",
	       "MB/s", "per call", "sprd", "/limit", "/mod", "MB/s",
	       "per call", "sprd", "/limit", "/mod");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum path_id p = order[i];
		bool has = false;

		for (size_t j = 0; j < ncells; j++)
			if (cells[j].b == b && !strcmp(cells[j].kind, kind) &&
			    cells[j].size == size && cells[j].p == p)
				has = true;
		if (has)
			print_row(b, kind, size, p, floor_rd);
	}
	if (!strcmp(kind, "reg") || size == 4)
		printf("%-40s   %s\n", "5 sysfs resourceN read()/write()",
		       b->sysfs_read);
	if (strcmp(kind, "reg") && size == 4) {
		if (b->copy[P_MAP][0])
			printf("%-40s   %s\n", "4 mapping: copies with",
			       b->copy[P_MAP]);
		if (b->copy[P_SYSFS][0])
			printf("%-40s   %s\n", "5 sysfs mapping: copies with",
			       b->copy[P_SYSFS]);
	}
	if (!strcmp(kind, "reg"))
		printf("%-40s   %s\n", "6 dd: the default mount",
		       b->na[P_PT][0] ? "passthrough=all, which falls back "
					"to the daemon here" :
					"passthrough=all (in force)");
}

/* ------------------------------------------------------------------ */
/* Markdown for README                                                */
/* ------------------------------------------------------------------ */

static void md_cell(const struct cell *x, const struct cell *any, bool rate,
		    char *buf, size_t len)
{
	char t[32];

	if (!x) {
		snprintf(buf, len, "%s", any ? "n/a" : "");
		return;
	}
	if (rate) {
		double v = mbps(x);

		snprintf(buf, len, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" :
			 "%.3g", v);
	} else {
		time_name(x->med, t, sizeof(t));
		snprintf(buf, len, "%s", t);
	}
}

static const struct cell *find_any(const struct bar_ctx *b, const char *op,
				   const char *kind, size_t size,
				   enum path_id p)
{
	for (size_t i = 0; i < ncells; i++)
		if (cells[i].b == b && !strcmp(cells[i].op, op) &&
		    !strcmp(cells[i].kind, kind) && cells[i].size == size &&
		    cells[i].p == p)
			return &cells[i];
	return NULL;
}

void print_md(struct bar_ctx *shm, struct bar_ctx *edu,
	      const size_t *sizes, int nsizes)
{
	static const enum path_id seq[] = { P_FAKE, P_DAEMON, P_PT, P_MODULE,
					    P_MAP, P_SYSFS };
	static const enum path_id reg[] = { P_FAKE, P_DAEMON, P_PT, P_MODULE,
					    P_MAP, P_SYSFS, P_DEVMEM, P_DD,
					    P_FLOOR, P_SPAWN };
	char buf[64];

	printf("MD|\n");
	printf("MD|ivshmem BAR2 (1 MiB, prefetchable, write-combining), "
	       "sequential, MB/s (ratio to the mapping, ratio to the module "
	       "descriptor):\n");
	printf("MD|\n");
	printf("MD|| path | op |");
	for (int i = 0; i < nsizes; i++) {
		size_name(sizes[i], buf, sizeof(buf));
		printf(" %s |", buf);
	}
	printf("\nMD|| --- | --- |");
	for (int i = 0; i < nsizes; i++)
		printf(" ---: |");
	printf("\n");
	for (size_t j = 0; j < sizeof(seq) / sizeof(seq[0]); j++) {
		for (int w = 0; w < 2; w++) {
			const char *op = w ? "write" : "read";

			printf("MD|| %s | %s |", path_desc[seq[j]].label,
			       op);
			for (int i = 0; i < nsizes; i++) {
				const struct cell *x =
					find(shm, op, "seq", sizes[i], seq[j]);
				const struct cell *m = find(
					shm, op, "seq", sizes[i], P_MODULE);
				const struct cell *l = find(
					shm, op, "seq", sizes[i], P_MAP);
				double r = ratio(x, m), rl = ratio(x, l);

				md_cell(x, find_any(shm, op, "seq", sizes[i],
						    seq[j]),
					true, buf, sizeof(buf));
				if (x && !isnan(r) && !isnan(rl))
					printf(" %s (%.2g, %.2g) |", buf, rl, r);
				else
					printf(" %s |", buf);
			}
			printf("\n");
		}
	}
	printf("MD|\nMD|sysfs resource2: %s.\n", shm->sysfs_read);
	if (shm->exact[P_MAP] || shm->exact[P_SYSFS])
		printf("MD|\nMD|Copies on ivshmem's mappings: the mapping (4) "
		       "%s, sysfs (5) %s.\n", shm->copy[P_MAP],
		       shm->copy[P_SYSFS]);
	printf("MD|\nMD|edu BAR0, one 4-byte register access per call "
	       "(median time per call):\n");
	printf("MD|\nMD|| path | read 0x00 | write 0x04 |\n");
	printf("MD|| --- | ---: | ---: |\n");
	for (size_t j = 0; j < sizeof(reg) / sizeof(reg[0]); j++) {
		char r[64], w[64];
		enum path_id p = reg[j];

		md_cell(find(edu, "read", "reg", 4, p),
			find_any(edu, "read", "reg", 4, p), false, r,
			sizeof(r));
		md_cell(find(edu, "write", "reg", 4, p),
			find_any(edu, "write", "reg", 4, p), false, w,
			sizeof(w));
		printf("MD|| %s | %s | %s |\n", path_desc[p].label, r, w);
	}
	printf("MD|\nMD|sysfs resource0: %s.\n", edu->sysfs_read);
}
