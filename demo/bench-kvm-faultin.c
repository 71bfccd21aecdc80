// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-kvm-faultin: private-memory fault-in rate of a software-protected
 * guest, guest_memfd (the upstream path) against an inaccessible memfd, in
 * the same run.
 *
 * For each backing, a fresh VM gets 64 MiB of private memory and one vCPU
 * touches every 4 KiB page once; the time from the first KVM_RUN to the
 * guest's done is the fault-in cost.  KVM_PRE_FAULT_MEMORY of another
 * 64 MiB measures the same without the guest.  The inaccessible memfd is
 * measured twice: with 4 KiB pages, and with shmem's 2 MiB folios (shmem
 * huge=always), which KVM maps at 2 MiB.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#define GPA		0x100000000ULL
#define SIZE		(64UL << 20)
#define SLOT		10

static void guest_touch(uint64_t gva, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		*(volatile uint64_t *)(gva + off) = off;
	GUEST_DONE();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *shmem_knob = "/sys/kernel/mm/transparent_hugepage/shmem_enabled";

static bool set_shmem_huge(const char *mode)
{
	int fd = open(shmem_knob, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, mode, strlen(mode)) == (ssize_t)strlen(mode);
	close(fd);
	return ok;
}

struct result {
	double guest_pps, prefault_pps;
	uint64_t pages_2m;
};

static struct result measure(enum private_mem_backing backing)
{
	const struct vm_shape shape = { .mode = VM_MODE_DEFAULT,
					.type = KVM_X86_SW_PROTECTED_VM };
	struct kvm_pre_fault_memory range = { .gpa = GPA + SIZE, .size = SIZE };
	struct result r = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	double t;

	private_mem_backing = backing;
	vm = vm_create_shape_with_one_vcpu(shape, &vcpu, guest_touch);
	vm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, GPA, SLOT, 2 * SIZE / PAGE_SIZE,
		   KVM_MEM_GUEST_MEMFD, -1, 0);
	virt_map(vm, GPA, GPA, SIZE / PAGE_SIZE);
	vm_mem_set_private(vm, GPA, 2 * SIZE);
	vcpu_args_set(vcpu, 2, GPA, SIZE);

	t = now();
	vcpu_run(vcpu);
	t = now() - t;
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_DONE);
	r.guest_pps = SIZE / PAGE_SIZE / t;
	r.pages_2m = vm_get_stat(vm, "pages_2m");

	t = now();
	while (range.size)
		TEST_ASSERT(!__vcpu_ioctl(vcpu, KVM_PRE_FAULT_MEMORY, &range) || errno == EINTR,
			    "KVM_PRE_FAULT_MEMORY");
	t = now() - t;
	r.prefault_pps = SIZE / PAGE_SIZE / t;
	kvm_vm_free(vm);
	return r;
}

static void row(const char *name, struct result r, struct result base)
{
	printf("%-28s %12.0f %6.2f %14.0f %6.2f %9lu\n", name, r.guest_pps,
	       r.guest_pps / base.guest_pps, r.prefault_pps,
	       r.prefault_pps / base.prefault_pps, r.pages_2m);
}

int main(void)
{
	struct result gmem, memfd, huge;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(KVM_X86_SW_PROTECTED_VM));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_MEMFD_INACCESSIBLE));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_PRE_FAULT_MEMORY));

	set_shmem_huge("never");
	gmem = measure(PRIVATE_MEM_GUEST_MEMFD);
	memfd = measure(PRIVATE_MEM_INACCESSIBLE_MEMFD);

	printf("private memory fault-in, %lu MiB, 4 KiB pages touched by the guest\n",
	       SIZE >> 20);
	printf("%-28s %12s %6s %14s %6s %9s\n", "backing", "guest pg/s", "ratio",
	       "prefault pg/s", "ratio", "2M maps");
	row("guest_memfd (upstream)", gmem, gmem);
	row("inaccessible memfd", memfd, gmem);
	if (set_shmem_huge("always")) {
		huge = measure(PRIVATE_MEM_INACCESSIBLE_MEMFD);
		set_shmem_huge("never");
		row("inaccessible memfd, 2M THP", huge, gmem);
	}
	return 0;
}
