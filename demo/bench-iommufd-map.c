// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-iommufd-map: mapping memory for device DMA by memfd offset
 * (IOMMU_IOAS_MAP_FILE) against mapping the same memory by address
 * (IOMMU_IOAS_MAP, upstream), in one boot.
 *
 * The IOAS has a mock iommu_domain (CONFIG_IOMMUFD_TEST), so every map pins
 * all pages and fills the domain, and every unmap unpins them.  The memory
 * is allocated first (fallocate) and is the same for both ordinary rows: an
 * ordinary memfd, mapped by its mmap() address or by fd + offset.  The
 * inaccessible memfd has the same size; pinned and revocable mappings pin
 * through the memfd core.  All of it twice: with 4 KiB pages, and with
 * shmem's 2 MiB folios (shmem_enabled=always while the memfds are filled;
 * checked in ShmemHugePages).  The mock domain maps 4 KiB pages either way:
 * the folios make pinning cheaper, not the IOMMU mappings.
 * Figures are us of guest time per map and per unmap of SIZE, the median of
 * bench_reps() repetitions in which the methods take turns; the ratio is
 * ours over IOMMU_IOAS_MAP's of the same pages.
 */
#define _GNU_SOURCE
#include <linux/memfd.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"
#include "bench.h"

#define SIZE	(64UL << 20)
#define NR	4	/* methods per page size */

static int iommufd;
static __u32 ioas_id;

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench-iommufd-map: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

struct method {
	char name[48];
	int fd;		/* -1: IOMMU_IOAS_MAP of @addr */
	void *addr;
	__u32 flags;
	double map_us[BENCH_MAX_REPS], unmap_us[BENCH_MAX_REPS];
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

static void measure(struct method *m, int rep)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = ioas_id, .length = SIZE,
	};
	double t0;
	__u64 iova;

	bench_settle();
	t0 = bench_now_ns();
	must(!map(m, &iova), m->name);
	m->map_us[rep] = (bench_now_ns() - t0) / 1e3;
	unmap.iova = iova;
	bench_settle();
	t0 = bench_now_ns();
	must(!ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap), "IOMMU_IOAS_UNMAP");
	m->unmap_us[rep] = (bench_now_ns() - t0) / 1e3;
}

static int memfd_of(unsigned int flags)
{
	int fd = memfd_create("bench-iommufd-map", MFD_CLOEXEC | flags);

	must(fd >= 0, "memfd_create");
	must(!ftruncate(fd, SIZE), "ftruncate");
	must(!fallocate(fd, 0, 0, SIZE), "fallocate");
	return fd;
}

/* The four methods over memfds filled with @huge folios, in @m[0..NR) */
static void set_up(struct method *m, bool huge)
{
	const char *pg = huge ? "2M THP" : "4K";
	long thp = bench_meminfo("ShmemHugePages");
	char old[32];
	int memfd, imemfd;
	void *addr;

	must(!bench_shmem_huge(huge ? "always" : "never", old, sizeof(old)),
	     BENCH_SHMEM_KNOB);
	memfd = memfd_of(0);
	addr = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	must(addr != MAP_FAILED, "mmap");
	imemfd = memfd_of(MFD_INACCESSIBLE);
	must(!bench_shmem_huge(old, NULL, 0), BENCH_SHMEM_KNOB);
	/* Both memfds wholly in 2 MiB folios, or none of them */
	thp = bench_meminfo("ShmemHugePages") - thp;
	errno = 0;
	must(thp == (huge ? (long)(2 * SIZE) : 0),
	     huge ? "the memfds did not get 2 MiB folios" : "4 KiB memfds got 2 MiB folios");

	m[0] = (struct method){ .fd = -1, .addr = addr };
	snprintf(m[0].name, sizeof(m[0].name), "IOMMU_IOAS_MAP by address %s", pg);
	m[1] = (struct method){ .fd = memfd };
	snprintf(m[1].name, sizeof(m[1].name), "MAP_FILE memfd %s", pg);
	m[2] = (struct method){ .fd = imemfd };
	snprintf(m[2].name, sizeof(m[2].name), "MAP_FILE inaccessible pinned %s", pg);
	m[3] = (struct method){ .fd = imemfd, .flags = IOMMU_IOAS_MAP_REVOCABLE };
	snprintf(m[3].name, sizeof(m[3].name), "MAP_FILE inaccessible revocable %s", pg);
}

int main(void)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd mock = {
		.size = sizeof(mock), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	static struct method m[2 * NR];
	int reps = bench_reps(), rep, i;

	/* Pins of IOMMU_IOAS_MAP count against RLIMIT_MEMLOCK */
	must(!setrlimit(RLIMIT_MEMLOCK, &unlimited), "setrlimit(RLIMIT_MEMLOCK)");
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	must(iommufd >= 0, "open /dev/iommu");
	must(!ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc), "IOMMU_IOAS_ALLOC");
	ioas_id = alloc.out_ioas_id;
	mock.id = ioas_id;
	must(!ioctl(iommufd, IOMMU_TEST_CMD, &mock),
	     "mock domain (CONFIG_IOMMUFD_TEST)");

	set_up(m, false);
	set_up(m + NR, true);
	/* A first round, not counted, allocates the domain's page tables */
	for (i = 0; i < 2 * NR; i++)
		measure(&m[i], 0);
	for (rep = 0; rep < reps; rep++)
		for (i = 0; i < 2 * NR; i++)
			measure(&m[i], rep);

	printf("mapping %lu MiB into an IOAS with a mock domain, us of guest time, median of %d\n",
	       SIZE >> 20, reps);
	for (i = 0; i < 2 * NR; i++) {
		struct method *base = &m[i / NR * NR];
		struct bench_stat bmap = bench_stat(base->map_us, reps);

		bench_row("iommufd-map", m[i].name, "map", "us",
			  bench_stat(m[i].map_us, reps), base->name, &bmap);
	}
	for (i = 0; i < 2 * NR; i++) {
		struct method *base = &m[i / NR * NR];
		struct bench_stat bunmap = bench_stat(base->unmap_us, reps);

		bench_row("iommufd-map", m[i].name, "unmap", "us",
			  bench_stat(m[i].unmap_us, reps), base->name, &bunmap);
	}
	return 0;
}
