// SPDX-License-Identifier: GPL-2.0
/*
 * bench-bindings: how the cost of hole punching grows with the number of
 * bindings on an inaccessible memfd, against an ordinary memfd in the same
 * run.
 *
 * For N bindings (single pages spread over a 4096-page memfd, shared and
 * revocable, from the test consumer), measure:
 *   - punching one bound page and allocating it again (visits 1 binding);
 *   - punching the whole memfd and allocating it again (visits all N).
 * The interval tree should make the first independent of N, and the second
 * linear in N.  Times are per operation; the ratio column compares with the
 * same operation on an ordinary memfd (no MFD_INACCESSIBLE, no bindings).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/memfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "memfd_bind_test.h"

#ifndef MFD_INACCESSIBLE
#define MFD_INACCESSIBLE 0x0020U
#endif

#define PAGES		4096
#define ONE_ROUNDS	2000
#define ALL_ROUNDS	20

static long ps;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench-bindings: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static int new_memfd(unsigned int flags)
{
	int fd = syscall(__NR_memfd_create, "bench", MFD_CLOEXEC | flags);

	must(fd >= 0, "memfd_create");
	must(!ftruncate(fd, PAGES * ps), "ftruncate");
	must(!fallocate(fd, 0, 0, PAGES * ps), "fallocate");
	return fd;
}

/* ns per punch+refill of one page, and of the whole memfd */
static void measure(int fd, long page, double *one, double *all)
{
	int mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	double t;
	int i;

	t = now_ns();
	for (i = 0; i < ONE_ROUNDS; i++) {
		must(!fallocate(fd, mode, page * ps, ps), "punch");
		must(!fallocate(fd, FALLOC_FL_KEEP_SIZE, page * ps, ps), "refill");
	}
	*one = (now_ns() - t) / ONE_ROUNDS;
	t = now_ns();
	for (i = 0; i < ALL_ROUNDS; i++) {
		must(!fallocate(fd, mode, 0, PAGES * ps), "punch all");
		must(!fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, PAGES * ps), "refill all");
	}
	*all = (now_ns() - t) / ALL_ROUNDS;
}

int main(void)
{
	static const int counts[] = { 0, 1, 16, 256, 4096 };
	double base_one, base_all, one, all;
	unsigned int i;
	int fd, dev, n;

	ps = sysconf(_SC_PAGESIZE);
	dev = open("/sys/kernel/debug/memfd_bind_test", O_RDWR);
	if (dev < 0) {
		fprintf(stderr, "bench-bindings: needs CONFIG_MEMFD_BIND_TEST: %s\n",
			strerror(errno));
		return 4;
	}

	fd = new_memfd(0);
	measure(fd, 0, &base_one, &base_all);
	close(fd);

	printf("bindings  punch+refill 1 page (ns)  ratio  punch+refill %d pages (us)  ratio\n",
	       PAGES);
	printf("ordinary  %26.0f  %5.2f  %27.1f  %5.2f\n", base_one, 1.0,
	       base_all / 1e3, 1.0);
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		long stride;

		n = counts[i];
		stride = n ? PAGES / n : 1;
		fd = new_memfd(MFD_INACCESSIBLE);
		for (long k = 0; k < n; k++) {
			struct memfd_bind_test_bind b = {
				.fd = fd, .flags = MEMFD_BIND_TEST_SHARED,
				.offset = k * stride * ps, .length = ps,
			};

			must(!ioctl(dev, MEMFD_BIND_TEST_BIND, &b), "bind");
		}
		/* The measured page is bound whenever there are bindings. */
		measure(fd, 0, &one, &all);
		printf("%8d  %26.0f  %5.2f  %27.1f  %5.2f\n", n, one, one / base_one,
		       all / 1e3, all / base_all);
		/* Closing and reopening the consumer drops the bindings. */
		close(dev);
		dev = open("/sys/kernel/debug/memfd_bind_test", O_RDWR);
		must(dev >= 0, "reopen test consumer");
		close(fd);
	}
	close(dev);
	return 0;
}
