// SPDX-License-Identifier: GPL-2.0
/*
 * bench-bindings: what the bindings of an inaccessible memfd cost, as a
 * function of their number, against an ordinary memfd in the same boot.
 *
 * A memfd of 4096 pages gets N = 0, 1, 2, 4, ..., 4096 single-page bindings
 * (shared and revocable, from the test consumer), spread evenly; page 0 is
 * bound whenever N > 0.  Per memfd:
 *   - punch 1 page: FALLOC_FL_PUNCH_HOLE of page 0 (invalidates the bindings
 *     that overlap it, one), timed alone; the refill is not timed;
 *   - punch 4096 pages: the whole memfd (invalidates all N), refill untimed,
 *     the median of ALL_ROUNDS;
 *   - lookup: fallocate() of page 0, already allocated: nothing is allocated
 *     and the core only looks up the bindings over the page to tell them
 *     (the allocate() notification); this is the whole system call, and on
 *     the ordinary memfd the same call without any lookup; lookups/s is its
 *     inverse;
 *   - bind + unbind: one more binding of page 0 and its removal.
 * The interval tree should keep the single-page figures flat in N and make
 * the whole-memfd punch linear in N.  The ratio is against the ordinary
 * memfd's same operation, and for bind + unbind (which has no upstream
 * equivalent) against one binding.  Kernel memory per binding is the slab
 * memory charged to the process's memory cgroup for 4096 bindings: the test
 * consumer's context, which embeds the struct memfd_binding (the core
 * allocates nothing per binding; the consumer's xarray is not accounted).
 * Figures are guest time, the median of bench_reps() repetitions (after one
 * not counted), in which the memfds take turns; a repetition's figure of a
 * single-page operation is the median of ONE_ROUNDS calls timed one by one,
 * so that a timer interrupt or kernel thread that lands on one of them does
 * not move it.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memfd_bind_test.h"
#include "bench.h"

#ifndef MFD_INACCESSIBLE
#define MFD_INACCESSIBLE 0x0020U
#endif

#define PAGES		4096
#define ONE_ROUNDS	200
#define ALL_ROUNDS	5
#define NR_COUNTS	14	/* 0 and 2^0 .. 2^12 */
#define DEV		"/sys/kernel/debug/memfd_bind_test"

static const int mode_punch = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
static long ps;

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench-bindings: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

struct subject {
	char name[40];
	int nr_bindings;	/* -1: ordinary memfd */
	int fd, dev;
	double punch_one[BENCH_MAX_REPS], punch_all[BENCH_MAX_REPS];
	double lookup[BENCH_MAX_REPS], bind[BENCH_MAX_REPS];
};

static int new_memfd(unsigned int flags)
{
	int fd = syscall(__NR_memfd_create, "bench", MFD_CLOEXEC | flags);

	must(fd >= 0, "memfd_create");
	must(!ftruncate(fd, PAGES * ps), "ftruncate");
	must(!fallocate(fd, 0, 0, PAGES * ps), "fallocate");
	return fd;
}

static __u32 bind_page(int dev, int fd, long page)
{
	struct memfd_bind_test_bind b = {
		.fd = fd, .flags = MEMFD_BIND_TEST_SHARED,
		.offset = page * ps, .length = ps,
	};

	must(!ioctl(dev, MEMFD_BIND_TEST_BIND, &b), "MEMFD_BIND_TEST_BIND");
	return b.out_id;
}

static void set_up(struct subject *s, int n)
{
	s->nr_bindings = n;
	if (n < 0) {
		snprintf(s->name, sizeof(s->name), "ordinary memfd (upstream)");
		s->fd = new_memfd(0);
		s->dev = -1;
		return;
	}
	snprintf(s->name, sizeof(s->name), "%d binding%s", n, n == 1 ? "" : "s");
	s->fd = new_memfd(MFD_INACCESSIBLE);
	s->dev = open(DEV, O_RDWR | O_CLOEXEC);
	must(s->dev >= 0, "open " DEV " (CONFIG_MEMFD_BIND_TEST)");
	for (long k = 0; k < n; k++)
		bind_page(s->dev, s->fd, k * (PAGES / n));
}

static void punch_one(struct subject *s)
{
	must(!fallocate(s->fd, mode_punch, 0, ps), "punch");
}

/* Allocates page 0 again, or (when it is there) only tells its bindings */
static void refill_one(struct subject *s)
{
	must(!fallocate(s->fd, FALLOC_FL_KEEP_SIZE, 0, ps), "fallocate");
}

static void bind_unbind(struct subject *s)
{
	struct memfd_bind_test_id id = { .id = bind_page(s->dev, s->fd, 0) };

	must(!ioctl(s->dev, MEMFD_BIND_TEST_UNBIND, &id), "MEMFD_BIND_TEST_UNBIND");
}

/* Median ns of @n calls of @op(@s), each timed alone, each followed by @after */
static double per_op(void (*op)(struct subject *), void (*after)(struct subject *),
		     struct subject *s, int n)
{
	static double v[ONE_ROUNDS];
	double t;
	int i;

	bench_settle();
	for (i = 0; i < n; i++) {
		t = bench_now_ns();
		op(s);
		v[i] = bench_now_ns() - t;
		if (after)
			after(s);
	}
	return bench_stat(v, n).med;
}

static void measure(struct subject *s, int rep)
{
	double t, all[ALL_ROUNDS];
	int i;

	s->punch_one[rep] = per_op(punch_one, refill_one, s, ONE_ROUNDS);
	s->lookup[rep] = per_op(refill_one, NULL, s, ONE_ROUNDS);
	if (s->nr_bindings > 0)
		s->bind[rep] = per_op(bind_unbind, NULL, s, ONE_ROUNDS);
	for (i = 0; i < ALL_ROUNDS; i++) {
		bench_settle();
		t = bench_now_ns();
		must(!fallocate(s->fd, mode_punch, 0, PAGES * ps), "punch all");
		all[i] = (bench_now_ns() - t) / 1e3;
		must(!fallocate(s->fd, FALLOC_FL_KEEP_SIZE, 0, PAGES * ps), "refill all");
	}
	s->punch_all[rep] = bench_stat(all, ALL_ROUNDS).med;
}

#define CG	"/sys/fs/cgroup/bench-bindings"

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	must(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text), path);
	close(fd);
}

/* Slab bytes charged to the cgroup CG */
static long cg_slab_bytes(void)
{
	FILE *f = fopen(CG "/memory.stat", "r");
	char line[128];
	long v = -1;

	must(!!f, CG "/memory.stat");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "slab_unreclaimable %ld", &v) == 1)
			break;
	fclose(f);
	must(v >= 0, "slab_unreclaimable in memory.stat");
	return v;
}

/*
 * Slab charged per binding while this process, in a memory cgroup of its
 * own, makes 4096 bindings.  The memcg statistics are flushed every 2 s; the
 * sleeps wait for that (guest time, not counted in any figure).
 */
static double bytes_per_binding(void)
{
	char pid[16];
	long before;
	int fd, dev;

	snprintf(pid, sizeof(pid), "%d", getpid());
	mkdir(CG, 0755);
	write_file(CG "/cgroup.procs", pid);
	fd = new_memfd(MFD_INACCESSIBLE);
	dev = open(DEV, O_RDWR | O_CLOEXEC);
	must(dev >= 0, "open " DEV);
	sleep(3);
	before = cg_slab_bytes();
	for (long k = 0; k < PAGES; k++)
		bind_page(dev, fd, k);
	sleep(3);
	before = cg_slab_bytes() - before;
	close(dev);
	close(fd);
	write_file("/sys/fs/cgroup/cgroup.procs", pid);
	must(!rmdir(CG), "rmdir " CG);
	return (double)before / PAGES;
}

int main(void)
{
	static struct subject subj[NR_COUNTS + 1];
	struct bench_stat one0, all0, look0, bind1, st;
	double bytes[BENCH_MAX_REPS];
	int reps = bench_reps(), rep, i;
	const char *b = "bindings";

	ps = sysconf(_SC_PAGESIZE);
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	set_up(&subj[0], -1);
	set_up(&subj[1], 0);
	for (i = 2; i <= NR_COUNTS; i++)
		set_up(&subj[i], 1 << (i - 2));
	/* A first round, not counted, warms the allocators up */
	for (i = 0; i <= NR_COUNTS; i++)
		measure(&subj[i], 0);
	for (rep = 0; rep < reps; rep++) {
		for (i = 0; i <= NR_COUNTS; i++)
			measure(&subj[i], rep);
		bytes[rep] = bytes_per_binding();
	}

	printf("bindings on a %d-page memfd, ns of guest time, median of %d\n", PAGES, reps);
	one0 = bench_stat(subj[0].punch_one, reps);
	all0 = bench_stat(subj[0].punch_all, reps);
	look0 = bench_stat(subj[0].lookup, reps);
	bind1 = bench_stat(subj[2].bind, reps);
	for (i = 0; i <= NR_COUNTS; i++) {
		struct subject *s = &subj[i];

		bench_row(b, s->name, "punch 1 page", "ns",
			  bench_stat(s->punch_one, reps), subj[0].name, &one0);
		bench_row(b, s->name, "punch 4096 pages", "us",
			  bench_stat(s->punch_all, reps), subj[0].name, &all0);
		st = bench_stat(s->lookup, reps);
		bench_row(b, s->name, "lookup (fallocate)", "ns", st, subj[0].name, &look0);
		for (rep = 0; rep < reps; rep++)
			s->lookup[rep] = 1e9 / s->lookup[rep];
		bench_row(b, s->name, "lookups/s (fallocate)", "1/s",
			  bench_stat(s->lookup, reps), NULL, NULL);
		if (s->nr_bindings > 0)
			bench_row(b, s->name, "bind + unbind", "ns",
				  bench_stat(s->bind, reps), subj[2].name, &bind1);
	}
	bench_row(b, "4096 bindings (test consumer)", "slab per binding (memcg)", "bytes",
		  bench_stat(bytes, reps), NULL, NULL);
	return 0;
}
