// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-kvm-faultin: private-memory fault-in of a software-protected guest,
 * guest_memfd (the upstream path) against an inaccessible memfd, in one boot.
 *
 * Each repetition creates, for each backing, a fresh VM with 2 x 64 MiB of
 * private memory:
 *   - guest touch: one vCPU writes one word of every 4 KiB page of the first
 *     64 MiB; the time from KVM_RUN to the guest's report is the fault-in
 *     cost (KVM allocates, zeroes and maps every page);
 *   - zeroing floor: the guest then zeroes those 64 MiB, now mapped, with the
 *     instruction the kernel's clear_page() uses on this CPU (rep stosb with
 *     ERMS, else rep stosq): what zeroing the memory costs without a fault;
 *   - KVM_PRE_FAULT_MEMORY of the second 64 MiB, from the host.
 * Backings: guest_memfd, an inaccessible memfd with 4 KiB pages, and one with
 * shmem's 2 MiB folios (shmem_enabled=always), which KVM maps at 2 MiB.
 * Figures are ns of guest time per 4 KiB page; the ratio is ours over
 * guest_memfd's, and fault-in is also stated as a multiple of the floor.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "bench.h"

#define GPA		0x100000000ULL
#define SIZE		(64UL << 20)
#define NPAGES		(SIZE / PAGE_SIZE)
#define SLOT		10

static void guest_code(uint64_t gva, uint64_t size, uint64_t erms)
{
	uint64_t n = erms ? size : size / 8;
	void *p = (void *)gva;

	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		*(volatile uint64_t *)(gva + off) = off;
	GUEST_SYNC(0);
	if (erms)
		asm volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(0) : "memory");
	else
		asm volatile("rep stosq" : "+D"(p), "+c"(n) : "a"(0) : "memory");
	GUEST_DONE();
}

/* Does this kernel's clear_page() use rep stosb (X86_FEATURE_ERMS)? */
static bool cpu_has_erms(void)
{
	char line[4096];
	bool erms = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	TEST_ASSERT(f, "/proc/cpuinfo");
	while (!erms && fgets(line, sizeof(line), f))
		erms = !strncmp(line, "flags", 5) && strstr(line, " erms");
	fclose(f);
	return erms;
}

static bool erms;

static char shmem_mode[32];

static void set_shmem_huge(const char *mode)
{
	TEST_ASSERT(!bench_shmem_huge(mode, NULL, 0), "setting %s to %s",
		    BENCH_SHMEM_KNOB, mode);
}

enum backing { GMEM, MEMFD, MEMFD_THP, NR_BACKINGS };

static const char *const backing_name[NR_BACKINGS] = {
	"guest_memfd 4K (upstream)", "inaccessible memfd 4K",
	"inaccessible memfd 2M THP",
};

/* ns per page of each figure, per repetition */
static double touch_ns[NR_BACKINGS][BENCH_MAX_REPS];
static double prefault_ns[NR_BACKINGS][BENCH_MAX_REPS];
static double floor_ns[NR_BACKINGS][BENCH_MAX_REPS];
static double floor_multiple[NR_BACKINGS][BENCH_MAX_REPS];

static void run_until(struct kvm_vcpu *vcpu, uint64_t want)
{
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), want);
}

static void measure(enum backing backing, int rep)
{
	const struct vm_shape shape = { .mode = VM_MODE_DEFAULT,
					.type = KVM_X86_SW_PROTECTED_VM };
	struct kvm_pre_fault_memory range = { .gpa = GPA + SIZE, .size = SIZE };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	double t0, t1, t2;

	private_mem_backing = backing == GMEM ? PRIVATE_MEM_GUEST_MEMFD :
						PRIVATE_MEM_INACCESSIBLE_MEMFD;
	set_shmem_huge(backing == MEMFD_THP ? "always" : "never");
	vm = vm_create_shape_with_one_vcpu(shape, &vcpu, guest_code);
	vm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, GPA, SLOT, 2 * NPAGES,
		   KVM_MEM_GUEST_MEMFD, -1, 0);
	virt_map(vm, GPA, GPA, NPAGES);
	vm_mem_set_private(vm, GPA, 2 * SIZE);
	vcpu_args_set(vcpu, 3, GPA, SIZE, erms);

	bench_settle();
	t0 = bench_now_ns();
	run_until(vcpu, UCALL_SYNC);
	t1 = bench_now_ns();
	bench_settle();
	t2 = bench_now_ns();
	run_until(vcpu, UCALL_DONE);
	t2 = bench_now_ns() - t2;
	touch_ns[backing][rep] = (t1 - t0) / NPAGES;
	floor_ns[backing][rep] = t2 / NPAGES;
	floor_multiple[backing][rep] = (t1 - t0) / t2;

	bench_settle();
	t0 = bench_now_ns();
	while (range.size)
		TEST_ASSERT(!__vcpu_ioctl(vcpu, KVM_PRE_FAULT_MEMORY, &range) || errno == EINTR,
			    "KVM_PRE_FAULT_MEMORY");
	prefault_ns[backing][rep] = (bench_now_ns() - t0) / NPAGES;

	/* Both halves at 2 MiB, or the THP row would measure something else */
	if (backing == MEMFD_THP)
		TEST_ASSERT(vm_get_stat(vm, "pages_2m") == 2 * SIZE / (2UL << 20),
			    "only %lu of %lu 2 MiB mappings: no THP for the memfd",
			    vm_get_stat(vm, "pages_2m"), 2 * SIZE / (2UL << 20));
	else
		TEST_ASSERT_EQ(vm_get_stat(vm, "pages_2m"), 0);
	kvm_vm_free(vm);
	set_shmem_huge(shmem_mode);
}

int main(void)
{
	struct bench_stat touch[NR_BACKINGS], prefault[NR_BACKINGS];
	struct bench_stat floor;
	int reps = bench_reps(), rep, b;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(KVM_X86_SW_PROTECTED_VM));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_MEMFD_INACCESSIBLE));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_PRE_FAULT_MEMORY));

	erms = cpu_has_erms();
	TEST_ASSERT(!bench_shmem_huge("never", shmem_mode, sizeof(shmem_mode)),
		    "reading %s", BENCH_SHMEM_KNOB);
	/* The backings take turns, so that drift hits them alike. */
	for (rep = 0; rep < reps; rep++)
		for (b = 0; b < NR_BACKINGS; b++)
			measure(b, rep);

	printf("private memory fault-in, %lu MiB, ns of guest time per 4 KiB page, median of %d\n",
	       SIZE >> 20, reps);
	for (b = 0; b < NR_BACKINGS; b++) {
		touch[b] = bench_stat(touch_ns[b], reps);
		prefault[b] = bench_stat(prefault_ns[b], reps);
	}
	floor = bench_stat(floor_ns[GMEM], reps);
	bench_row("kvm-faultin", erms ? "zeroing floor (guest rep stosb)" :
					"zeroing floor (guest rep stosq)",
		  "zero mapped memory", "ns/page", floor, NULL, NULL);
	for (b = 0; b < NR_BACKINGS; b++)
		bench_row("kvm-faultin", backing_name[b], "guest touch", "ns/page",
			  touch[b], backing_name[GMEM], &touch[GMEM]);
	for (b = 0; b < NR_BACKINGS; b++)
		bench_row("kvm-faultin", backing_name[b], "KVM_PRE_FAULT_MEMORY",
			  "ns/page", prefault[b], backing_name[GMEM], &prefault[GMEM]);
	for (b = 0; b < NR_BACKINGS; b++)
		bench_row("kvm-faultin", backing_name[b], "guest touch / floor", "x",
			  bench_stat(floor_multiple[b], reps), NULL, NULL);
	return 0;
}
