// SPDX-License-Identifier: GPL-2.0
/*
 * Loads and unloads a module as fast as the kernel allows, cycling through
 * parameter strings, without a process spawn per step:
 *   rwp_modcycle [-c COUNTERS] MODULE.ko NAME SECONDS PARAMS...
 * With -c, reads the module's counters file (lines of "SITE ASKED SAID
 * ASKED_ON_UFFD_VMAS") after each load and before the unload: a site asked
 * in a load was reached during the run. It is read here, by whoever unloads
 * the module, because an open file of the module's holds it: a reader in
 * another process would make the unloads fail with EBUSY.
 * Prints, per site, "# SITE reached in N of M loads", then the number of
 * completed cycles; exits non-zero on the first load or unload that fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_SITES	16

static struct {
	char name[32];
	unsigned long loads;
} sites[MAX_SITES];
static int nr_sites;

/* Counts, per site, the loads in which it was asked. */
static void read_counters(const char *path)
{
	unsigned long asked, said, asked_uffd;
	char name[32];
	FILE *f = fopen(path, "r");
	int i;

	if (!f)
		return;
	while (fscanf(f, "%31s %lu %lu %lu", name, &asked, &said, &asked_uffd) == 4) {
		for (i = 0; i < nr_sites && strcmp(sites[i].name, name); i++)
			;
		if (i == nr_sites) {
			if (nr_sites == MAX_SITES)
				break;
			snprintf(sites[nr_sites++].name, sizeof(sites[0].name), "%s", name);
		}
		sites[i].loads += asked > 0;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *counters = NULL;
	unsigned long cycles = 0;
	time_t deadline;
	int fd, i;

	if (argc > 2 && !strcmp(argv[1], "-c")) {
		counters = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 5) {
		fprintf(stderr, "usage: %s [-c COUNTERS] MODULE.ko NAME SECONDS PARAMS...\n",
			argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	deadline = time(NULL) + atoi(argv[3]);
	while (time(NULL) < deadline) {
		const char *params = argv[4 + cycles % (argc - 4)];

		if (syscall(__NR_finit_module, fd, params, 0)) {
			fprintf(stderr, "load %lu (%s): %s\n", cycles, params, strerror(errno));
			break;
		}
		if (counters)
			read_counters(counters);
		if (syscall(__NR_delete_module, argv[2], O_NONBLOCK)) {
			fprintf(stderr, "unload %lu: %s\n", cycles, strerror(errno));
			break;
		}
		cycles++;
	}
	for (i = 0; i < nr_sites; i++)
		printf("# %s reached in %lu of %lu loads\n", sites[i].name, sites[i].loads, cycles);
	printf("%lu\n", cycles);
	return time(NULL) < deadline;
}
