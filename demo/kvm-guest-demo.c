// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-guest-demo: a software-protected KVM guest whose private memory is an
 * inaccessible memfd.
 *
 * Built against the KVM selftest library (tools/testing/selftests/kvm/lib)
 * of the patched tree, which is a small, complete VMM: it creates the VM,
 * the vCPU, 64-bit page tables and runs guest code written in C.  Every line
 * printed reports a call made just before it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "memfd_bind_test.h"
#include "demo.h"

#define GVA		0xc0000000ULL
#define GPA		GVA
#define SLOT		10
#define NPAGES		16
#define SECRET		0x5ec2e7000ULL

static void guest_write(uint64_t gva, uint64_t npages, uint64_t val)
{
	for (uint64_t i = 0; i < npages; i++)
		*(volatile uint64_t *)(gva + i * PAGE_SIZE) = val + i;
	GUEST_DONE();
}

static void guest_read(uint64_t gva, uint64_t npages)
{
	for (uint64_t i = 0; i < npages; i++)
		GUEST_SYNC(*(volatile uint64_t *)(gva + i * PAGE_SIZE));
	GUEST_DONE();
}

static void print_pages(const char *who, uint64_t *v, int n)
{
	printf("%s:", who);
	for (int i = 0; i < n; i++)
		printf(" %llx", (unsigned long long)v[i]);
	printf("\n");
}

int main(void)
{
	const struct vm_shape shape = { .mode = VM_MODE_DEFAULT,
					.type = KVM_X86_SW_PROTECTED_VM };
	struct userspace_mem_region *region;
	uint64_t vals[NPAGES], *shared;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char buf[8];
	int memfd, dev;
	void *p;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("== A confidential guest on an inaccessible memfd\n");
	printf("KVM_CAP_MEMFD_INACCESSIBLE: memory region flags %#x\n",
	       kvm_check_cap(KVM_CAP_MEMFD_INACCESSIBLE));
	if (!kvm_check_cap(KVM_CAP_MEMFD_INACCESSIBLE) ||
	    !(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(KVM_X86_SW_PROTECTED_VM))) {
		printf("needs KVM_X86_SW_PROTECTED_VM and the capability\n");
		return 1;
	}
	memfd = kvm_inaccessible_memfd_alloc(NPAGES * PAGE_SIZE);
	printf("memfd_create(MFD_INACCESSIBLE) + ftruncate(%d pages) = fd %d\n", NPAGES, memfd);

	vm = vm_create_shape_with_one_vcpu(shape, &vcpu, guest_read);
	printf("VM type KVM_X86_SW_PROTECTED_VM, one vCPU\n");
	vm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, GPA, SLOT, NPAGES, KVM_MEM_GUEST_MEMFD, memfd, 0);
	printf("KVM_SET_USER_MEMORY_REGION2(slot %d, KVM_MEM_GUEST_MEMFD, guest_memfd = memfd): ok\n",
	       SLOT);
	virt_map(vm, GVA, GPA, NPAGES);
	vm_mem_set_private(vm, GPA, NPAGES * PAGE_SIZE);
	printf("KVM_SET_MEMORY_ATTRIBUTES(%#llx, %d pages, PRIVATE): ok\n",
	       (unsigned long long)GPA, NPAGES);
	show_bindings(memfd);

	printf("\n== The guest writes private memory\n");
	run_guest(vcpu, guest_write, vals, 3, GVA, NPAGES, SECRET);
	print_pages("guest reads back", vals, run_guest(vcpu, guest_read, vals, 2, GVA, NPAGES));

	printf("\n== The VMM cannot read it\n");
	printf("pread(memfd): %s\n", res(pread(memfd, buf, sizeof(buf), 0)));
	p = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_SHARED, memfd, 0);
	printf("mmap(memfd): %s\n", res(p == MAP_FAILED ? -1 : 0));
	region = memslot2region(vm, SLOT);
	shared = region->host_mem;
	printf("the memslot's shared backing at the same GPA holds: %llx (not the guest's data)\n",
	       (unsigned long long)shared[0]);
	dev = open("/sys/kernel/debug/memfd_bind_test", O_RDWR);
	if (dev >= 0) {
		struct memfd_bind_test_bind b = { .fd = memfd, .offset = 0,
						  .length = PAGE_SIZE };

		printf("another consumer binding the guest's pages (KVM binds exclusive): %s\n",
		       res(ioctl(dev, MEMFD_BIND_TEST_BIND, &b)));
		close(dev);
	}

	printf("\n== Punching a hole frees the page; the guest sees zeroes there\n");
	printf("fallocate(PUNCH_HOLE, page 3): %s\n",
	       res(fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 3 * PAGE_SIZE,
			     PAGE_SIZE)));
	print_pages("guest reads", vals, run_guest(vcpu, guest_read, vals, 2, GVA, NPAGES));

	printf("\n== Conversion: page 5 private -> shared -> private\n");
	vm_mem_set_shared(vm, GPA + 5 * PAGE_SIZE, PAGE_SIZE);
	shared[5 * PAGE_SIZE / 8] = 0x5a5a5a5a;
	printf("page 5 shared; the VMM writes 5a5a5a5a into it\n");
	print_pages("guest reads", vals, run_guest(vcpu, guest_read, vals, 2, GVA, NPAGES));
	vm_mem_set_private(vm, GPA + 5 * PAGE_SIZE, PAGE_SIZE);
	printf("page 5 private again: the private page kept its contents\n");
	print_pages("guest reads", vals, run_guest(vcpu, guest_read, vals, 2, GVA, NPAGES));

	printf("\n== The VMM closes the memfd; the guest keeps its memory\n");
	close(region->region.guest_memfd);
	region->region.guest_memfd = -1;
	printf("close(memfd): %s\n", res(close(memfd)));
	print_pages("guest reads", vals, run_guest(vcpu, guest_read, vals, 2, GVA, NPAGES));
	kvm_vm_free(vm);
	printf("VM destroyed: its binding went, and with it the last reference to the memory\n");
	return 0;
}
