// SPDX-License-Identifier: GPL-2.0
/*
 * Loads and unloads a module as fast as the kernel allows, cycling through
 * parameter strings, without a process spawn per step:
 *   rwp_modcycle MODULE.ko NAME SECONDS PARAMS...
 * Prints the number of completed cycles; exits non-zero on the first load
 * or unload that fails.
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

int main(int argc, char **argv)
{
	unsigned long cycles = 0;
	time_t deadline;
	int fd;

	if (argc < 5) {
		fprintf(stderr, "usage: %s MODULE.ko NAME SECONDS PARAMS...\n", argv[0]);
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
		if (syscall(__NR_delete_module, argv[2], O_NONBLOCK)) {
			fprintf(stderr, "unload %lu: %s\n", cycles, strerror(errno));
			break;
		}
		cycles++;
	}
	printf("%lu\n", cycles);
	return time(NULL) < deadline;
}
