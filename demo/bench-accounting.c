// SPDX-License-Identifier: GPL-2.0
/*
 * bench-accounting: how much locked memory two pinned consumers of the same
 * pages need, as a multiple of the pages, in one boot.
 *
 * The consumers are a device mapping (IOMMU_IOAS_MAP or IOMMU_IOAS_MAP_FILE
 * into an IOAS with a mock domain) and an RDMA memory region on rxe
 * (ibv_reg_mr or ibv_reg_dmabuf_mr), both pinned, over SIZE of:
 *   - anonymous memory, by address (the upstream path);
 *   - an ordinary memfd, by fd + offset;
 *   - an inaccessible memfd, by fd + offset (the memfd core charges its
 *     pages once, when they are allocated).
 * The figure is the smallest RLIMIT_MEMLOCK, in steps of 1/8 of SIZE, under
 * which the memory is allocated and mapped (and registered) without
 * CAP_IPC_LOCK, over SIZE: 1.0 means every page is counted once.  (iommufd
 * charges the user's locked_vm and adds its pins to the mm's pinned_vm,
 * which the RDMA pin is checked against too; the memfd charges its creator's
 * locked_vm.)  Median of bench_reps().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* Drops CAP_IPC_LOCK, so that every pin is checked against RLIMIT_MEMLOCK */
static void drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	must(!syscall(SYS_capget, &h, d), "capget");
	d[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	d[CAP_IPC_LOCK / 32].permitted &= ~(1U << (CAP_IPC_LOCK % 32));
	must(!syscall(SYS_capset, &h, d), "capset");
}

static void set_up_iommufd(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd mock = {
		.size = sizeof(mock), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};

	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	must(iommufd >= 0, "open /dev/iommu");
	must(!ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc), "IOMMU_IOAS_ALLOC");
	ioas_id = alloc.out_ioas_id;
	mock.id = ioas_id;
	must(!ioctl(iommufd, IOMMU_TEST_CMD, &mock), "mock domain (CONFIG_IOMMUFD_TEST)");
}

/* Did a pin fail for want of RLIMIT_MEMLOCK? (Else: a real failure) */
static bool over_limit(int ret, const char *what)
{
	if (!ret)
		return false;
	must(errno == ENOMEM || errno == EPERM, what);
	return true;
}

/*
 * Allocates @t and pins it with an IOAS mapping and, if @mr, a memory
 * region, under RLIMIT_MEMLOCK @limit pages.  Returns whether all of it
 * fit; undoes everything.
 */
static bool fits(enum target t, bool mr, long limit)
{
	const __u32 rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	struct rlimit rl = { limit * ps, limit * ps };
	struct iommu_ioas_map by_va = {
		.size = sizeof(by_va), .flags = rw, .ioas_id = ioas_id, .length = SIZE,
	};
	struct iommu_ioas_map_file by_fd = {
		.size = sizeof(by_fd), .flags = rw, .ioas_id = ioas_id, .length = SIZE,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = ioas_id, .length = SIZE,
	};
	struct ibv_mr *region = NULL;
	bool ok = false;
	void *addr = NULL;
	int fd = -1;

	must(!setrlimit(RLIMIT_MEMLOCK, &rl), "setrlimit(RLIMIT_MEMLOCK)");
	if (t == ANON) {
		addr = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		must(addr != MAP_FAILED, "mmap");
		by_va.user_va = (uintptr_t)addr;
	} else {
		fd = syscall(__NR_memfd_create, "bench-accounting",
			     MFD_CLOEXEC | (t == INACC ? MFD_INACCESSIBLE : 0));
		must(fd >= 0 && !ftruncate(fd, SIZE), "memfd");
		if (over_limit(fallocate(fd, 0, 0, SIZE), "fallocate"))
			goto out;
		by_fd.fd = fd;
	}
	if (over_limit(addr ? ioctl(iommufd, IOMMU_IOAS_MAP, &by_va) :
			      ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &by_fd), "map"))
		goto out;
	unmap.iova = addr ? by_va.iova : by_fd.iova;
	if (mr) {
		region = addr ? ibv_reg_mr(pd, addr, SIZE, ACCESS) :
				ibv_reg_dmabuf_mr(pd, 0, SIZE, 0, fd, ACCESS);
		if (over_limit(!region, "memory region"))
			goto unmap;
		must(!ibv_dereg_mr(region), "ibv_dereg_mr");
	}
	ok = true;
unmap:
	must(!ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap), "IOMMU_IOAS_UNMAP");
out:
	if (addr)
		munmap(addr, SIZE);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The smallest RLIMIT_MEMLOCK that fits, in SIZEs, by eighths up to 4 */
static double needed(enum target t, bool mr)
{
	long npages = SIZE / ps;

	for (int eighths = 0; eighths <= 32; eighths++)
		if (fits(t, mr, npages * eighths / 8))
			return eighths / 8.0;
	errno = ENOMEM;
	must(0, "not even 4 x SIZE of RLIMIT_MEMLOCK is enough");
	return 0;
}

int main(void)
{
	static double one[NR_TARGETS][BENCH_MAX_REPS], two[NR_TARGETS][BENCH_MAX_REPS];
	int reps = bench_reps(), rep, t;
	struct ibv_context *ctx;

	ps = sysconf(_SC_PAGESIZE);
	set_up_iommufd();
	ctx = open_rxe();
	must(!!ctx, "no rxe device");
	pd = ibv_alloc_pd(ctx);
	must(!!pd, "ibv_alloc_pd");
	drop_ipc_lock();

	for (rep = 0; rep < reps; rep++)
		for (t = 0; t < NR_TARGETS; t++) {
			one[t][rep] = needed(t, false);
			two[t][rep] = needed(t, true);
		}

	printf("RLIMIT_MEMLOCK needed for %lu MiB pinned by an IOAS and an MR, median of %d\n",
	       SIZE >> 20, reps);
	for (t = 0; t < NR_TARGETS; t++) {
		bench_row("accounting", target_name[t], "RLIMIT_MEMLOCK: IOAS", "x size",
			  bench_stat(one[t], reps), NULL, NULL);
		bench_row("accounting", target_name[t], "RLIMIT_MEMLOCK: IOAS + MR", "x size",
			  bench_stat(two[t], reps), NULL, NULL);
	}
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return 0;
}
