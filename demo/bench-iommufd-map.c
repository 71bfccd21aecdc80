// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-iommufd-map: mapping 256 MiB for device DMA by memfd offset
 * (IOMMU_IOAS_MAP_FILE) against mapping the same memory by address
 * (IOMMU_IOAS_MAP, upstream), in one run.
 *
 * The IOAS has a mock iommu_domain (CONFIG_IOMMUFD_TEST), so every map pins
 * all pages and fills the domain, and every unmap unpins them.  The memory
 * is allocated first (fallocate) and is the same for both ordinary rows: an
 * ordinary memfd, mapped by its mmap() address or by fd + offset.  The
 * inaccessible memfd has the same size; pinned and revocable mappings pin
 * through the memfd core.  Each number is the median of five runs.
 */
#define _GNU_SOURCE
#include <linux/memfd.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

#define SIZE	(256UL << 20)
#define RUNS	5

static int iommufd;
static __u32 ioas_id;

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench-iommufd-map: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct method {
	const char *name;
	int fd;		/* -1: IOMMU_IOAS_MAP of @addr */
	void *addr;
	__u32 flags;
};

static int map(const struct method *m, __u64 *iova)
{
	const __u32 rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	int ret;

	if (m->fd < 0) {
		struct iommu_ioas_map cmd = {
			.size = sizeof(cmd), .flags = rw, .ioas_id = ioas_id,
			.user_va = (uintptr_t)m->addr, .length = SIZE,
		};

		ret = ioctl(iommufd, IOMMU_IOAS_MAP, &cmd);
		*iova = cmd.iova;
	} else {
		struct iommu_ioas_map_file cmd = {
			.size = sizeof(cmd), .flags = rw | m->flags,
			.ioas_id = ioas_id, .fd = m->fd, .length = SIZE,
		};

		ret = ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &cmd);
		*iova = cmd.iova;
	}
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median map and unmap times of @m, in seconds */
static void measure(const struct method *m, double *map_s, double *unmap_s)
{
	double t_map[RUNS], t_unmap[RUNS], t0;
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	__u64 iova;
	int i;

	for (i = 0; i < RUNS; i++) {
		t0 = now();
		must(!map(m, &iova), m->name);
		t_map[i] = now() - t0;
		unmap.ioas_id = ioas_id;
		unmap.iova = iova;
		unmap.length = SIZE;
		t0 = now();
		must(!ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap), "IOMMU_IOAS_UNMAP");
		t_unmap[i] = now() - t0;
	}
	qsort(t_map, RUNS, sizeof(double), cmp_double);
	qsort(t_unmap, RUNS, sizeof(double), cmp_double);
	*map_s = t_map[RUNS / 2];
	*unmap_s = t_unmap[RUNS / 2];
}

static int memfd_of(unsigned int flags)
{
	int fd = memfd_create("bench-iommufd-map", MFD_CLOEXEC | flags);

	must(fd >= 0, "memfd_create");
	must(!ftruncate(fd, SIZE), "ftruncate");
	must(!fallocate(fd, 0, 0, SIZE), "fallocate");
	return fd;
}

int main(void)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd mock = {
		.size = sizeof(mock), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	struct method methods[4];
	double map_s[4], unmap_s[4];
	int memfd, imemfd, i;
	void *addr;

	/* Pins of IOMMU_IOAS_MAP count against RLIMIT_MEMLOCK */
	must(!setrlimit(RLIMIT_MEMLOCK, &unlimited), "setrlimit(RLIMIT_MEMLOCK)");
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	must(iommufd >= 0, "open /dev/iommu");
	must(!ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc), "IOMMU_IOAS_ALLOC");
	ioas_id = alloc.out_ioas_id;
	mock.id = ioas_id;
	must(!ioctl(iommufd, IOMMU_TEST_CMD, &mock),
	     "mock domain (CONFIG_IOMMUFD_TEST)");

	memfd = memfd_of(0);
	addr = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	must(addr != MAP_FAILED, "mmap");
	imemfd = memfd_of(MFD_INACCESSIBLE);

	methods[0] = (struct method){ "IOMMU_IOAS_MAP (by address)", -1, addr, 0 };
	methods[1] = (struct method){ "MAP_FILE memfd", memfd, NULL, 0 };
	methods[2] = (struct method){ "MAP_FILE inaccessible", imemfd, NULL, 0 };
	methods[3] = (struct method){ "MAP_FILE inaccessible, revocable",
				      imemfd, NULL, IOMMU_IOAS_MAP_REVOCABLE };
	for (i = 0; i < 4; i++)
		measure(&methods[i], &map_s[i], &unmap_s[i]);

	printf("mapping %lu MiB into an IOAS with a mock domain, median of %d runs\n",
	       SIZE >> 20, RUNS);
	printf("%-34s %10s %6s %12s %6s\n", "method", "map MiB/s", "ratio",
	       "unmap MiB/s", "ratio");
	for (i = 0; i < 4; i++)
		printf("%-34s %10.0f %6.2f %12.0f %6.2f\n", methods[i].name,
		       (SIZE >> 20) / map_s[i], map_s[0] / map_s[i],
		       (SIZE >> 20) / unmap_s[i], unmap_s[0] / unmap_s[i]);
	return 0;
}
