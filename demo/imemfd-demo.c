// SPDX-License-Identifier: GPL-2.0
/*
 * imemfd-demo: what an inaccessible memfd is, shown on the running kernel.
 *
 * Creates a memfd with MFD_INACCESSIBLE, shows that the process cannot
 * reach its bytes, then lets kernel consumers import ranges of it and shows
 * the bindings, their policies and the events they receive.  Consumers: the
 * test consumer of CONFIG_MEMFD_BIND_TEST (it can read the memory for us,
 * so we can show what the pages hold).  Every line printed is the result of
 * a system call made just before it.
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
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memfd_bind_test.h"
#include "demo.h"

#ifndef MFD_INACCESSIBLE
#define MFD_INACCESSIBLE 0x0020U
#endif

static long ps;

/* Like res(), with the value of a call that succeeded */
static const char *resv(long ret)
{
	static char buf[64];

	if (ret >= 0)
		snprintf(buf, sizeof(buf), "ok (%ld)", ret);
	else
		snprintf(buf, sizeof(buf), "refused: %s (%s)", strerrorname_np(errno),
			 strerror(errno));
	return buf;
}

static void show_fdinfo(int fd)
{
	printf("  /proc/self/fdinfo/%d:\n", fd);
	print_fdinfo(fd, 0);
}

static int bind(int dev, int fd, uint64_t off, uint64_t len, uint32_t flags,
		uint32_t *id)
{
	struct memfd_bind_test_bind b = {
		.fd = fd, .flags = flags, .offset = off, .length = len,
	};
	int ret = ioctl(dev, MEMFD_BIND_TEST_BIND, &b);

	*id = b.out_id;
	return ret;
}

static long rw(int dev, unsigned long req, uint32_t id, uint64_t off, uint64_t *v)
{
	struct memfd_bind_test_rw c = { .id = id, .offset = off, .value = *v };
	long ret = ioctl(dev, req, &c);

	*v = c.value;
	return ret;
}

static void events(int dev, uint32_t id, const char *who)
{
	struct memfd_bind_test_events e = { .id = id };

	if (ioctl(dev, MEMFD_BIND_TEST_EVENTS, &e))
		return;
	printf("  %s: invalidate_begin=%llu invalidate_end=%llu allocate=%llu error=%llu",
	       who, e.nr_begin, e.nr_end, e.nr_alloc, e.nr_error);
	if (e.nr_begin || e.nr_alloc)
		printf(" (last range %#llx-%#llx)", e.last_start, e.last_end);
	printf("\n");
}

int main(void)
{
	uint32_t kvm_like, dev_like, other;
	char buf[16], path[64];
	uint64_t v;
	int fd, dev;
	void *p;

	ps = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IONBF, 0);

	printf("== An inaccessible memfd\n");
	fd = syscall(__NR_memfd_create, "guest-ram", MFD_INACCESSIBLE | MFD_CLOEXEC);
	if (fd < 0) {
		printf("memfd_create(MFD_INACCESSIBLE): %s\n", resv(-1));
		return 1;
	}
	printf("memfd_create(\"guest-ram\", MFD_INACCESSIBLE) = %d\n", fd);
	printf("ftruncate(16 pages): %s\n", resv(ftruncate(fd, 16 * ps)));
	printf("fallocate(16 pages): %s\n", resv(fallocate(fd, 0, 0, 16 * ps)));

	printf("\n== The process cannot reach the bytes\n");
	printf("read():  %s\n", resv(read(fd, buf, sizeof(buf))));
	printf("pwrite(): %s\n", resv(pwrite(fd, "x", 1, 0)));
	p = mmap(NULL, ps, PROT_READ, MAP_SHARED, fd, 0);
	printf("mmap(PROT_READ, MAP_SHARED): %s\n", resv(p == MAP_FAILED ? -1 : 0));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	printf("open(\"%s\"): %s\n", path, resv(open(path, O_RDONLY)));

	printf("\n== Kernel consumers import ranges of it\n");
	dev = open("/sys/kernel/debug/memfd_bind_test", O_RDWR);
	if (dev < 0) {
		printf("no test consumer (CONFIG_MEMFD_BIND_TEST): %s\n", strerror(errno));
		return 1;
	}
	printf("bind pages 0-7, exclusive + revocable (what KVM private memory uses): %s\n",
	       resv(bind(dev, fd, 0, 8 * ps, 0, &kvm_like)));
	printf("bind pages 8-15, shared + pinned (what device DMA uses): %s\n",
	       resv(bind(dev, fd, 8 * ps, 8 * ps,
			MEMFD_BIND_TEST_SHARED | MEMFD_BIND_TEST_PINNED, &dev_like)));
	printf("bind pages 4-11, shared: %s\n", resv(bind(dev, fd, 4 * ps, 8 * ps,
							   MEMFD_BIND_TEST_SHARED, &other)));
	show_fdinfo(fd);

	printf("\n== Consumers see the memory; the process does not\n");
	v = 0x600dcafe;
	printf("consumer writes %#llx at page 3: %s\n", (unsigned long long)v,
	       resv(rw(dev, MEMFD_BIND_TEST_WRITE, kvm_like, 3 * ps, &v)));
	v = 0;
	rw(dev, MEMFD_BIND_TEST_READ, kvm_like, 3 * ps, &v);
	printf("consumer reads page 3: %#llx\n", (unsigned long long)v);
	printf("process pread(page 3): %s\n", resv(pread(fd, buf, 8, 3 * ps)));

	printf("\n== Lifecycle events reach the consumers of the range\n");
	printf("punch page 3 (revocable range): %s\n",
	       resv(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 3 * ps, ps)));
	events(dev, kvm_like, "revocable binding");
	events(dev, dev_like, "pinned binding  ");
	v = 1;
	rw(dev, MEMFD_BIND_TEST_READ, kvm_like, 3 * ps, &v);
	printf("consumer reads page 3 again: %#llx (a new zeroed page)\n",
	       (unsigned long long)v);
	printf("punch page 9 (pinned range): %s\n",
	       resv(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 9 * ps, ps)));
	printf("ftruncate(4 pages) over the pinned range: %s\n", resv(ftruncate(fd, 4 * ps)));
	events(dev, kvm_like, "revocable binding");

	printf("\n== The bindings hold the memory, not the process's fd\n");
	printf("close(memfd): %s\n", resv(close(fd)));
	v = 0;
	rw(dev, MEMFD_BIND_TEST_READ, kvm_like, 3 * ps, &v);
	v = 0x5eed;
	printf("consumer writes and reads page 5 after close: %s",
	       resv(rw(dev, MEMFD_BIND_TEST_WRITE, kvm_like, 5 * ps, &v)));
	v = 0;
	rw(dev, MEMFD_BIND_TEST_READ, kvm_like, 5 * ps, &v);
	printf(", %#llx\n", (unsigned long long)v);
	printf("closing the consumer unbinds everything: %s\n", resv(close(dev)));
	return 0;
}
