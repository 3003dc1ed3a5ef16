/*
 * regs-bench.c - how long a description takes to load, how much memory it
 * keeps, and what one lookup by name costs (block, then "REGISTER" or
 * "REGISTER.FIELD"), as the daemon does for every path it is asked about.
 * A benchmark, not a test: it prints figures and fails only if the file
 * does not load.
 *
 *   regs-bench FILE [LOOKUPS]      default 1000000 lookups
 *   regs-bench --synthetic N [LOOKUPS]   one peripheral, a register array
 *                                  of N, each with 8 fields (SVD dim)
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regs.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

int main(int argc, char **argv)
{
	long lookups = argc > 2 ? atol(argv[2]) : 1000000;
	struct regs_desc *d;
	struct regs_error err;
	char msg[600], (*names)[160];
	const struct regs_block **blocks;
	size_t before, n = 0, i, j, found = 0;
	double t0, t1;

	if (argc < 2) {
		fprintf(stderr, "usage: regs-bench FILE [LOOKUPS]\n");
		return 2;
	}
	before = heap_in_use();
	t0 = now();
	if (!strcmp(argv[1], "--synthetic")) {
		char xml[1024];

		snprintf(xml, sizeof(xml),
			 "<device><name>synthetic</name><peripherals><peripheral>"
			 "<name>P</name><baseAddress>0</baseAddress><registers>"
			 "<register><name>R%%s</name><dim>%ld</dim>"
			 "<dimIncrement>4</dimIncrement><addressOffset>0"
			 "</addressOffset><fields><field><name>F%%s</name>"
			 "<dim>8</dim><dimIncrement>4</dimIncrement><bitOffset>0"
			 "</bitOffset><bitWidth>4</bitWidth></field></fields>"
			 "</register></registers></peripheral></peripherals>"
			 "</device>", argc > 2 ? atol(argv[2]) : 10000);
		lookups = argc > 3 ? atol(argv[3]) : 1000000;
		if (regs_load_memory(xml, strlen(xml), "synthetic", &d, &err)) {
			regs_error_format(&err, msg, sizeof(msg));
			fprintf(stderr, "%s\n", msg);
			return 1;
		}
	} else if (regs_load_file(argv[1], &d, &err)) {
		regs_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	t1 = now();
	printf("%s: %zu blocks, %zu registers, %zu fields\n", argv[1],
	       d->n_blocks, d->n_registers, d->n_fields);
	printf("load: %.1f ms, model in memory: %.1f MiB\n", (t1 - t0) * 1e3,
	       (heap_in_use() - before) / 1048576.0);

	/* Every register and every field name, looked up in turn. */
	names = malloc((d->n_registers + d->n_fields) * sizeof(*names));
	blocks = malloc((d->n_registers + d->n_fields) * sizeof(*blocks));
	if (!names || !blocks)
		return 1;
	for (i = 0; i < d->n_blocks; i++)
		for (j = 0; j < d->blocks[i].n_regs; j++) {
			const struct regs_register *r = &d->blocks[i].regs[j];
			size_t k;

			blocks[n] = &d->blocks[i];
			snprintf(names[n++], sizeof(*names), "%s", r->name);
			for (k = 0; k < r->n_fields; k++) {
				blocks[n] = &d->blocks[i];
				snprintf(names[n++], sizeof(*names), "%s.%s",
					 r->name, r->fields[k].name);
			}
		}
	t0 = now();
	for (i = 0; i < (size_t)lookups; i++) {
		const struct regs_register *r;
		const struct regs_field *f;
		size_t k = (i * 7919) % n;
		const struct regs_block *b = regs_find_block(d, blocks[k]->name);

		found += b && !regs_lookup(b, names[k], &r, &f);
	}
	t1 = now();
	printf("lookup (block + register or field, %zu names): %.3f us each, "
	       "%zu of %ld found\n", n, (t1 - t0) * 1e6 / lookups, found,
	       lookups);
	free(names);
	free(blocks);
	regs_free(d);
	return found == (size_t)lookups ? 0 : 1;
}
