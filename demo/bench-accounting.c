// SPDX-License-Identifier: GPL-2.0
/*
 * bench-accounting: how much locked memory two pinned consumers of the same
 * pages are charged for, as a multiple of the pages, in one boot.
 *
 * The consumers are a device mapping (IOMMU_IOAS_MAP or IOMMU_IOAS_MAP_FILE
 * into an IOAS with a mock domain, iommufd accounting to the mm,
 * IOMMU_OPTION_RLIMIT_MODE 1) and an RDMA memory region on rxe (ibv_reg_mr
 * or ibv_reg_dmabuf_mr), both pinned, over SIZE of:
 *   - anonymous memory, by address (the upstream path);
 *   - an ordinary memfd, by fd + offset;
 *   - an inaccessible memfd, by fd + offset (the memfd core charges its
 *     pages once, when they are allocated).
 * The charge is what the process's VmPin (mm->pinned_vm, where iommufd and
 * RDMA charge pins) and VmLck, and the memfd's fdinfo locked_pages (the
 * pages charged to its creator's locked_vm), grew by from before the memory
 * was allocated to after each consumer pinned it.  The factor is that charge
 * over the pages: 1.0 counts every page once.  Median of bench_reps().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <linux/iommufd.h>
#include "iommufd_test.h"
#include "bench.h"
#include "rdma.h"

#ifndef MFD_INACCESSIBLE
#define MFD_INACCESSIBLE	0x0020U
#endif

#define SIZE		(16UL << 20)
#define ACCESS		(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE)

enum target { ANON, MEMFD, INACC, NR_TARGETS };

static const char *const target_name[NR_TARGETS] = {
	"anonymous by address (upstream)", "memfd by fd", "inaccessible memfd by fd",
};

static int iommufd;
static __u32 ioas_id;
static struct ibv_pd *pd;
static long ps;

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench-accounting: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

/* A "Key:\t<n>" line of /proc/self/@file (kB for status), or 0 */
static long proc_value(const char *file, const char *key)
{
	char path[64], line[256];
	size_t len = strlen(key);
	long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	f = fopen(path, "r");
	must(!!f, path);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			v = strtol(line + len + 1, NULL, 0);
	fclose(f);
	return v;
}

/* Pages charged to this process and to the memfd @fd (-1: none) */
static long charged_pages(int fd)
{
	long kb = proc_value("status", "VmPin") + proc_value("status", "VmLck");
	long pages = kb * 1024 / ps;
	char fdinfo[32];

	if (fd >= 0) {
		snprintf(fdinfo, sizeof(fdinfo), "fdinfo/%d", fd);
		pages += proc_value(fdinfo, "locked_pages");
	}
	return pages;
}

static void set_up_iommufd(void)
{
	struct iommu_option mode = {
		.size = sizeof(mode), .option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_SET, .val64 = 1,
	};
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd mock = {
		.size = sizeof(mock), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};

	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	must(iommufd >= 0, "open /dev/iommu");
	must(!ioctl(iommufd, IOMMU_OPTION, &mode), "IOMMU_OPTION_RLIMIT_MODE");
	must(!ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc), "IOMMU_IOAS_ALLOC");
	ioas_id = alloc.out_ioas_id;
	mock.id = ioas_id;
	must(!ioctl(iommufd, IOMMU_TEST_CMD, &mock), "mock domain (CONFIG_IOMMUFD_TEST)");
}

static __u64 map_device(void *addr, int fd)
{
	const __u32 rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	struct iommu_ioas_map by_va = {
		.size = sizeof(by_va), .flags = rw, .ioas_id = ioas_id,
		.user_va = (uintptr_t)addr, .length = SIZE,
	};
	struct iommu_ioas_map_file by_fd = {
		.size = sizeof(by_fd), .flags = rw, .ioas_id = ioas_id,
		.fd = fd, .length = SIZE,
	};

	if (fd < 0) {
		must(!ioctl(iommufd, IOMMU_IOAS_MAP, &by_va), "IOMMU_IOAS_MAP");
		return by_va.iova;
	}
	must(!ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &by_fd), "IOMMU_IOAS_MAP_FILE");
	return by_fd.iova;
}

static void unmap_device(__u64 iova)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = ioas_id, .iova = iova,
		.length = SIZE,
	};

	must(!ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap), "IOMMU_IOAS_UNMAP");
}

/* Charge factors after the first and after the second consumer pinned */
static void measure(enum target t, double *one, double *two)
{
	long npages = SIZE / ps, before = charged_pages(-1);
	void *addr = NULL;
	struct ibv_mr *mr;
	int fd = -1;
	__u64 iova;

	if (t == ANON) {
		addr = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		must(addr != MAP_FAILED, "mmap");
	} else {
		fd = syscall(__NR_memfd_create, "bench-accounting",
			     MFD_CLOEXEC | (t == INACC ? MFD_INACCESSIBLE : 0));
		must(fd >= 0 && !ftruncate(fd, SIZE), "memfd");
		must(!fallocate(fd, 0, 0, SIZE), "fallocate");
	}
	iova = map_device(addr, fd);
	*one = (double)(charged_pages(fd) - before) / npages;
	mr = addr ? ibv_reg_mr(pd, addr, SIZE, ACCESS) :
		    ibv_reg_dmabuf_mr(pd, 0, SIZE, 0, fd, ACCESS);
	must(!!mr, "memory region");
	*two = (double)(charged_pages(fd) - before) / npages;

	must(!ibv_dereg_mr(mr), "ibv_dereg_mr");
	unmap_device(iova);
	if (addr)
		munmap(addr, SIZE);
	else
		close(fd);
	errno = 0;
	must(charged_pages(-1) == before, "charge left behind");
}

int main(void)
{
	static double one[NR_TARGETS][BENCH_MAX_REPS], two[NR_TARGETS][BENCH_MAX_REPS];
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int reps = bench_reps(), rep, t;
	struct ibv_context *ctx;

	ps = sysconf(_SC_PAGESIZE);
	must(!setrlimit(RLIMIT_MEMLOCK, &unlimited), "setrlimit(RLIMIT_MEMLOCK)");
	set_up_iommufd();
	ctx = open_rxe();
	must(!!ctx, "no rxe device");
	pd = ibv_alloc_pd(ctx);
	must(!!pd, "ibv_alloc_pd");

	for (rep = 0; rep < reps; rep++)
		for (t = 0; t < NR_TARGETS; t++)
			measure(t, &one[t][rep], &two[t][rep]);

	printf("locked memory charged for %lu MiB pinned by an IOAS and an MR, median of %d\n",
	       SIZE >> 20, reps);
	for (t = 0; t < NR_TARGETS; t++) {
		bench_row("accounting", target_name[t], "charge: IOAS", "x pages",
			  bench_stat(one[t], reps), NULL, NULL);
		bench_row("accounting", target_name[t], "charge: IOAS + MR", "x pages",
			  bench_stat(two[t], reps), NULL, NULL);
	}
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return 0;
}
