// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-device-demo: a software-protected KVM guest and a PCI device share the
 * guest's private memory, an inaccessible memfd the VMM itself cannot read.
 *
 * The device is QEMU's edu DMA engine behind an emulated IOMMU, driven
 * through VFIO (cdev) and iommufd.  KVM takes the memfd as guest_memfd with
 * KVM_MEM_GUEST_MEMFD_NONEXCLUSIVE; IOMMU_IOAS_MAP_FILE maps the same memfd
 * for the device.  The device writes a message into the guest's private memory,
 * the guest answers there, and the device reads the answer back out.  Every
 * line printed reports a call made just before it.
 */
#define _GNU_SOURCE
#include <linux/memfd.h>
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
#include "iommu/vfio_edu.h"
#include "demo.h"

#define GPA		0xc0000000ULL
#define GVA		GPA
#define SLOT		10
#define NPAGES		16
/* edu masks DMA addresses to 28 bits */
#define BUF_IOVA	0x1000000ULL
#define MEMFD_IOVA	0x3000000ULL
#define MSG_WORDS	3

static void guest_read_words(uint64_t gva, uint64_t nwords)
{
	for (uint64_t i = 0; i < nwords; i++)
		GUEST_SYNC(((volatile uint64_t *)gva)[i]);
	GUEST_DONE();
}

static void guest_write_words(uint64_t gva, uint64_t w0, uint64_t w1,
			      uint64_t w2)
{
	volatile uint64_t *p = (volatile uint64_t *)gva;

	p[0] = w0;
	p[1] = w1;
	p[2] = w2;
	GUEST_DONE();
}

/* What the guest reads at @gva, as text */
static void guest_says(struct kvm_vcpu *vcpu, uint64_t gva, const char *what)
{
	uint64_t words[MSG_WORDS + 1] = {};

	run_guest(vcpu, guest_read_words, words, 2, gva, MSG_WORDS);
	if (!words[0] && !words[1] && !words[2])
		printf("%s zeroes\n", what);
	else
		printf("%s \"%.*s\"\n", what, (int)sizeof(uint64_t) * MSG_WORDS,
		       (char *)words);
}

int main(void)
{
	const struct vm_shape shape = { .mode = VM_MODE_DEFAULT,
					.type = KVM_X86_SW_PROTECTED_VM };
	const char hello[] = "Hello from the device!";
	const char reply[24] = "Hi device, from guest!";
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct kvm_vcpu *vcpu;
	struct edu_dev dev;
	struct dma_mem mem;
	const char *step;
	struct kvm_vm *vm;
	uint64_t w[3];
	char *buf;
	int memfd, ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("== A guest and a device share private memory nobody else can read\n");
	if (!kvm_check_cap(KVM_CAP_MEMFD_INACCESSIBLE) ||
	    !(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(KVM_X86_SW_PROTECTED_VM))) {
		printf("needs KVM_X86_SW_PROTECTED_VM and KVM_CAP_MEMFD_INACCESSIBLE\n");
		return 1;
	}
	ret = edu_open(&dev, &step);
	if (ret) {
		printf("the edu device behind an IOMMU is needed: cannot %s: %s\n",
		       step, strerror(-ret));
		return 1;
	}
	printf("edu device %s bound to vfio-pci, attached to IOAS %u through iommufd\n",
	       dev.bdf, dev.ioas_id);

	memfd = kvm_inaccessible_memfd_alloc(NPAGES * PAGE_SIZE);
	printf("memfd_create(MFD_INACCESSIBLE) + ftruncate(%d pages) = fd %d\n",
	       NPAGES, memfd);
	vm = vm_create_shape_with_one_vcpu(shape, &vcpu, guest_read_words);
	vm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, GPA, SLOT, NPAGES,
		   KVM_MEM_GUEST_MEMFD | KVM_MEM_GUEST_MEMFD_NONEXCLUSIVE, memfd, 0);
	virt_map(vm, GVA, GPA, NPAGES);
	vm_mem_set_private(vm, GPA, NPAGES * PAGE_SIZE);
	printf("KVM memslot on the memfd (KVM_MEM_GUEST_MEMFD | KVM_MEM_GUEST_MEMFD_NONEXCLUSIVE), all private: ok\n");

	mem = dma_mem_file(memfd, 0);
	ret = dma_map(dev.iommufd, dev.ioas_id, MEMFD_IOVA, NPAGES * PAGE_SIZE, &mem);
	printf("IOMMU_IOAS_MAP_FILE(memfd, 0, %d pages) at IOVA %#llx for the device: %s\n",
	       NPAGES, MEMFD_IOVA, ret ? strerror(-ret) : "ok");
	if (ret)
		return 1;
	show_bindings(memfd);

	/* A bounce buffer of the VMM's own, which the device also reaches */
	buf = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem = dma_mem_va(buf);
	TEST_ASSERT(!dma_map(dev.iommufd, dev.ioas_id, BUF_IOVA, PAGE_SIZE, &mem),
		    "IOMMU_IOAS_MAP of the VMM's buffer");

	printf("\n== The device writes into the guest's private memory\n");
	memset(buf, 0, PAGE_SIZE);
	memcpy(buf, hello, sizeof(hello));
	ret = edu_dma_round_trip(&dev.edu, BUF_IOVA, MEMFD_IOVA, sizeof(hello));
	printf("edu DMA: VMM buffer -> device -> memfd page 0: %s\n", res(ret ? -1 : 0));
	guest_says(vcpu, GVA, "the guest reads private page 0:");

	printf("\n== The guest answers in private memory; the device reads it out\n");
	memcpy(w, reply, sizeof(w));
	run_guest(vcpu, guest_write_words, w, 4, GVA + PAGE_SIZE, w[0], w[1], w[2]);
	printf("the guest wrote its answer into private page 1\n");
	memset(buf, 0, PAGE_SIZE);
	ret = edu_dma_round_trip(&dev.edu, MEMFD_IOVA + PAGE_SIZE, BUF_IOVA, sizeof(reply));
	printf("edu DMA: memfd page 1 -> device -> VMM buffer: %s\n", res(ret ? -1 : 0));
	printf("the VMM's buffer now holds \"%.*s\"\n", (int)sizeof(reply), buf);

	printf("\n== The VMM cannot read the memfd itself\n");
	printf("pread(memfd): %s\n", res(pread(memfd, buf, 8, 0)));
	printf("mmap(memfd): %s\n",
	       res(mmap(NULL, PAGE_SIZE, PROT_READ, MAP_SHARED, memfd, 0) ==
		   MAP_FAILED ? -1 : 0));

	printf("\n== The device mapping pins the memory; a revocable one does not\n");
	printf("fallocate(PUNCH_HOLE, page 0): %s\n",
	       res(fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			     PAGE_SIZE)));
	TEST_ASSERT(!dma_unmap(dev.iommufd, dev.ioas_id, MEMFD_IOVA,
			       NPAGES * PAGE_SIZE), "IOMMU_IOAS_UNMAP");
	mem = dma_mem_file(memfd, 0);
	ret = dma_map_flags(dev.iommufd, dev.ioas_id, MEMFD_IOVA,
			    NPAGES * PAGE_SIZE, &mem, IOMMU_IOAS_MAP_REVOCABLE);
	printf("unmapped, and mapped again with IOMMU_IOAS_MAP_REVOCABLE: %s\n",
	       ret ? strerror(-ret) : "ok");
	show_bindings(memfd);
	printf("fallocate(PUNCH_HOLE, page 0): %s\n",
	       res(fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			     PAGE_SIZE)));
	unmap.ioas_id = dev.ioas_id;
	unmap.iova = MEMFD_IOVA;
	unmap.length = NPAGES * PAGE_SIZE;
	printf("the punch revoked the device mapping first: IOMMU_IOAS_UNMAP: %s\n",
	       res(ioctl(dev.iommufd, IOMMU_IOAS_UNMAP, &unmap)));
	guest_says(vcpu, GVA, "the guest reads private page 0:");
	guest_says(vcpu, GVA + PAGE_SIZE, "and page 1:");

	kvm_vm_free(vm);
	edu_close(&dev);
	close(memfd);
	printf("VM destroyed, device closed\n");
	return 0;
}
