// SPDX-License-Identifier: MIT
/*
 * targets.c - aperture-bench: the targets of issues 6 and 11, met or missed.
 */
#include "ab.h"

int targets_missed;

/* ------------------------------------------------------------------ */
/* Targets of issue 6                                                 */
/* ------------------------------------------------------------------ */

static void target(const char *name, bool measured, bool met,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void target(const char *name, bool measured, bool met,
		   const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (measured && !met)
		targets_missed++;
	printf("TARGET|%s|%s|%s|%s|%s\n", opt.kernel, opt.world,
	       !measured ? "n/a" : met ? "met" : "MISSED", name, buf);
}

/*
 * The worst (largest) time ratio @x / @ref over the sequential sizes of
 * @bs from @min_size up, both ops; -1 if no pair was measured.  @where
 * names the worst cell.
 */
static double worst_time_ratio(struct bar_ctx **bs, int nb,
			       const size_t *sizes, int nsizes,
			       size_t min_size, enum path_id x,
			       enum path_id ref, char *where, size_t len,
			       int *n)
{
	static const char *ops[] = { "read", "write" };
	double worst = -1;
	char sz[32];

	*n = 0;
	for (int k = 0; k < nb; k++) {
		for (int w = 0; w < 2; w++) {
			for (int i = 0; i < nsizes; i++) {
				const struct cell *a, *r;
				double t;

				if (sizes[i] < min_size)
					continue;
				a = find(bs[k], ops[w], "seq", sizes[i], x);
				r = find(bs[k], ops[w], "seq", sizes[i], ref);
				if (!a || !r)
					continue;
				(*n)++;
				t = a->med / r->med;
				if (t > worst) {
					worst = t;
					size_name(sizes[i], sz, sizeof(sz));
					snprintf(where, len, "%s %s %s",
						 bs[k]->name, sz, ops[w]);
				}
			}
		}
	}
	return worst;
}

void check_targets(struct bar_ctx *shm, struct bar_ctx *edu,
		   const size_t *sizes, int nsizes)
{
	static const char *ops[] = { "read", "write" };
	struct bar_ctx *both[] = { shm, edu };
	size_t mib = 1u << 20;
	char where[128] = "";
	double r;
	int n;

	printf("\nTargets (ratios of medians in this run)\n");
	for (int w = 0; w < 2; w++) {
		const struct cell *m = find(shm, ops[w], "seq", mib, P_MODULE);
		const struct cell *l = find(shm, ops[w], "seq", mib, P_MAP);

		r = ratio(m, l);
		target("module >= 0.8 limit", !isnan(r), r >= 0.8,
		       "ivshmem BAR2 1 MiB %s: module/mapping = %.2f", ops[w],
		       r);
	}
	/*
	 * What FUSE itself costs is the fake machine's memory file.  Against
	 * memory, ivshmem's RAM BAR: edu's register BAR is read 32 bits at
	 * a time by the module (its descriptor alone is several times the
	 * fake file's time from 4 KiB up), a cost no FUSE daemon can shed.
	 */
	r = worst_time_ratio(both, 1, sizes, nsizes, 0, P_DAEMON, P_FAKE,
			     where, sizeof(where), &n);
	if (!n)
		target("daemon <= 1.25x fake file", false, false,
		       "not measured: %s", shm->na[P_FAKE][0] ?
		       shm->na[P_FAKE] : shm->na[P_DAEMON]);
	else
		target("daemon <= 1.25x fake file", true, r <= 1.25,
		       "worst of %d ivshmem cells: %.2fx the fake file's "
		       "time (%s)",
		       n, r, where);
	r = worst_time_ratio(both, 2, sizes, nsizes, 4096, P_PT, P_MODULE,
			     where, sizeof(where), &n);
	if (!n)
		target("passthrough <= 1.1x module from 4 KiB", false, false,
		       "passthrough not available here: %s", shm->na[P_PT]);
	else
		target("passthrough <= 1.1x module from 4 KiB", true,
		       r <= 1.1, "worst of %d cells: %.2fx the module's time "
		       "(%s)", n, r, where);
	{
		struct {
			const struct bar_ctx *b;
			const char *op, *kind, *what;
		} t[] = {
			{ edu, "read", "reg", "edu register read" },
			{ edu, "write", "reg", "edu register write" },
			{ shm, "read", "seq", "ivshmem 4 B read" },
			{ shm, "write", "seq", "ivshmem 4 B write" },
		};

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			const struct cell *d =
				find(t[i].b, t[i].op, t[i].kind, 4, P_DAEMON);
			const struct cell *f =
				find(t[i].b, t[i].op, t[i].kind, 4, P_FLOOR);
			char a[32], b[32];

			r = d && f ? d->med / f->med : NAN;
			if (d)
				time_name(d->med, a, sizeof(a));
			if (f)
				time_name(f->med, b, sizeof(b));
			target("daemon 4 B <= 1.5x FUSE floor", !isnan(r),
			       r <= 1.5,
			       "%s: %s vs floor %s = %.2fx", t[i].what,
			       d ? a : "-", f ? b : "-", r);
		}
	}
}
