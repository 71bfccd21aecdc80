// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-kvm-conversions: shared <-> private conversions of a software-protected
 * guest, in the manner of the private_mem_conversions test, guest_memfd (the
 * upstream path) against an inaccessible memfd, in one boot.
 *
 * The guest converts a 4 MiB range back and forth with KVM_HC_MAP_GPA_RANGE
 * and writes a word of every page after each conversion.  The host handles
 * each hypercall as the test does: to private, it allocates the private
 * backing (fallocate) and sets the private attribute; to shared, it punches
 * the private backing and clears the attribute.  A round trip is both
 * conversions with the faults that follow them.  Each repetition is a fresh
 * VM, one round trip to warm up, then ROUNDS measured; the figure is ns of
 * guest time per page per round trip, the ratio ours over guest_memfd's.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "bench.h"

#define GPA		0x100000000ULL
#define SIZE		(4UL << 20)
#define NPAGES		(SIZE / PAGE_SIZE)
#define SLOT		10
#define ROUNDS		4

#define TO_SHARED	1	/* KVM_HC_MAP_GPA_RANGE attribute word */

static void touch(uint64_t gpa, uint64_t size, uint64_t val)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		*(volatile uint64_t *)(gpa + off) = val;
}

static void round_trip(uint64_t gpa, uint64_t size, uint64_t r)
{
	kvm_hypercall_map_gpa_range(gpa, size, 0);
	touch(gpa, size, r);
	kvm_hypercall_map_gpa_range(gpa, size, TO_SHARED);
	touch(gpa, size, ~r);
}

static void guest_code(uint64_t gpa, uint64_t size)
{
	round_trip(gpa, size, 0);
	GUEST_SYNC(0);
	for (uint64_t r = 1; r <= ROUNDS; r++)
		round_trip(gpa, size, r);
	GUEST_DONE();
}

static void handle_map_gpa_range(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint64_t gpa = run->hypercall.args[0];
	uint64_t size = run->hypercall.args[1] * PAGE_SIZE;
	bool shared = run->hypercall.args[2] & TO_SHARED;

	TEST_ASSERT_EQ(run->hypercall.nr, KVM_HC_MAP_GPA_RANGE);
	vm_guest_mem_fallocate(vcpu->vm, gpa, size, shared);
	vm_set_memory_attributes(vcpu->vm, gpa, size,
				 shared ? 0 : KVM_MEMORY_ATTRIBUTE_PRIVATE);
	run->hypercall.ret = 0;
}

/* Runs @vcpu until its next ucall, handling the hypercalls on the way */
static uint64_t run_to_ucall(struct kvm_vcpu *vcpu)
{
	struct ucall uc;
	uint64_t cmd;

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason != KVM_EXIT_HYPERCALL)
			break;
		handle_map_gpa_range(vcpu);
	}
	cmd = get_ucall(vcpu, &uc);
	if (cmd == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	return cmd;
}

static double measure(enum private_mem_backing backing)
{
	const struct vm_shape shape = { .mode = VM_MODE_DEFAULT,
					.type = KVM_X86_SW_PROTECTED_VM };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	double t;

	private_mem_backing = backing;
	vm = vm_create_shape_with_one_vcpu(shape, &vcpu, guest_code);
	vm_enable_cap(vm, KVM_CAP_EXIT_HYPERCALL, BIT_ULL(KVM_HC_MAP_GPA_RANGE));
	vm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, GPA, SLOT, NPAGES,
		   KVM_MEM_GUEST_MEMFD, -1, 0);
	virt_map(vm, GPA, GPA, NPAGES);
	vcpu_args_set(vcpu, 2, GPA, SIZE);

	TEST_ASSERT_EQ(run_to_ucall(vcpu), UCALL_SYNC);
	bench_settle();
	t = bench_now_ns();
	TEST_ASSERT_EQ(run_to_ucall(vcpu), UCALL_DONE);
	t = bench_now_ns() - t;
	kvm_vm_free(vm);
	return t / ROUNDS / NPAGES;
}

int main(void)
{
	double gmem_ns[BENCH_MAX_REPS], memfd_ns[BENCH_MAX_REPS];
	struct bench_stat gmem, memfd;
	int reps = bench_reps(), rep;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(KVM_X86_SW_PROTECTED_VM));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_MEMFD_INACCESSIBLE));
	TEST_REQUIRE(kvm_check_cap(KVM_CAP_EXIT_HYPERCALL) & BIT(KVM_HC_MAP_GPA_RANGE));

	for (rep = 0; rep < reps; rep++) {
		gmem_ns[rep] = measure(PRIVATE_MEM_GUEST_MEMFD);
		memfd_ns[rep] = measure(PRIVATE_MEM_INACCESSIBLE_MEMFD);
	}
	printf("shared <-> private round trips of %lu MiB, ns of guest time per page, median of %d\n",
	       SIZE >> 20, reps);
	gmem = bench_stat(gmem_ns, reps);
	memfd = bench_stat(memfd_ns, reps);
	bench_row("kvm-conversions", "guest_memfd (upstream)", "round trip", "ns/page",
		  gmem, "guest_memfd (upstream)", &gmem);
	bench_row("kvm-conversions", "inaccessible memfd", "round trip", "ns/page",
		  memfd, "guest_memfd (upstream)", &gmem);
	return 0;
}
