// SPDX-License-Identifier: MIT
/*
 * measure.c - aperture-bench: the paths of one (BAR, op, size) group measured
 * in interleaved rounds, a sample of every path per round.
 */
#include "ab.h"

struct cell *cells;
size_t ncells;
static size_t capcells;

/* ------------------------------------------------------------------ */
/* Groups: the paths of one (BAR, op, size) in interleaved rounds      */
/* ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double quantile(const double *s, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)pos;

	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + (pos - i) * (s[i + 1] - s[i]);
}

static struct cell *cell_new(void)
{
	if (ncells == capcells) {
		capcells = capcells ? 2 * capcells : 64;
		cells = realloc(cells, capcells * sizeof(*cells));
		if (!cells) {
			perror("aperture-bench");
			exit(1);
		}
	}
	memset(&cells[ncells], 0, sizeof(cells[0]));
	return &cells[ncells++];
}

void run_group(struct group *g)
{
	struct cell *c[NR_PATHS];
	double samples[NR_PATHS][MAX_SAMPLES];
	uint64_t offs[NR_PATHS];
	bool fixed = g->reg;
	double t0, deadline;
	int rounds = 0, live = 0;

	for (int i = 0; i < g->np; i++) {
		enum path_id p = g->paths[i];
		struct cell *x = cell_new();

		x->b = g->b;
		x->op = g->write ? "write" : "read";
		x->kind = g->reg ? "reg" : "seq";
		x->size = g->size;
		x->p = p;
		offs[i] = g->base;
		if (g->b->na[p][0]) {
			snprintf(x->na, sizeof(x->na), "%s", g->b->na[p]);
		} else {
			/* Warm-up and calibration: the best of three calls. */
			double best = INFINITY;
			int ret = 0;

			for (int k = 0; k < 3 && !ret; k++) {
				double t = now_ns();

				ret = do_call(g->b, p, g->write, g->reg,
					      g->size, offs[i]);
				t = now_ns() - t;
				if (t < best)
					best = t;
			}
			if (ret) {
				snprintf(x->na, sizeof(x->na), "%s: %s",
					 g->write ? "write" : "read",
					 strerror(-ret));
			} else {
				x->ok = true;
				x->k = (long)ceil(opt.sample_ns /
						  (best > 1 ? best : 1));
				if (x->k < 1)
					x->k = 1;
				if (p == P_DEVMEM || p == P_DD ||
				    p == P_SPAWN)
					x->k = 1;
				live++;
			}
		}
	}
	/* cells may have moved while growing: take the pointers now. */
	for (int i = 0; i < g->np; i++)
		c[i] = &cells[ncells - g->np + i];
	if (!live)
		return;

	t0 = now_ns();
	deadline = t0 + opt.budget * 1e9;
	while (rounds < MAX_SAMPLES &&
	       (rounds < opt.min_rounds || now_ns() < deadline)) {
		for (int j = 0; j < g->np; j++) {
			int i = (j + rounds) % g->np;
			struct cell *x = c[i];
			double t;
			int ret = 0;

			if (!x->ok)
				continue;
			t = now_ns();
			for (long k = 0; k < x->k && !ret; k++) {
				ret = do_call(g->b, x->p, g->write, g->reg,
					      g->size, offs[i]);
				if (!fixed) {
					offs[i] += g->size;
					if (offs[i] + g->size >
					    g->base + g->window)
						offs[i] = g->base;
				}
			}
			t = now_ns() - t;
			if (ret) {
				x->ok = false;
				snprintf(x->na, sizeof(x->na),
					 "%s failed: %s", x->op,
					 strerror(-ret));
				continue;
			}
			samples[i][rounds] = t / x->k;
		}
		rounds++;
	}
	for (int i = 0; i < g->np; i++) {
		struct cell *x = c[i];
		double *s = samples[i];

		if (!x->ok)
			continue;
		qsort(s, rounds, sizeof(double), cmp_double);
		x->n = rounds;
		x->min = s[0];
		x->max = s[rounds - 1];
		x->med = quantile(s, rounds, 0.5);
		x->q1 = quantile(s, rounds, 0.25);
		x->q3 = quantile(s, rounds, 0.75);
	}
}
