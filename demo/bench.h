/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the bench-* programs share: timing, repetitions and one output
 * format.
 *
 * make bench runs them in a VM whose clocks count the guest's own
 * instructions (QEMU -icount, see harness/run-vm.sh), so a "ns" here is
 * guest time: 2^shift ns per guest instruction, not hardware time.  Every
 * figure is the median of bench_reps() repetitions in one boot (at least
 * five; $BENCH_REPS asks for more), printed with its minimum and maximum.
 * bench_row() prints a figure and appends it to the CSV file $BENCH_CSV, if
 * set, which harness/bench-report.py turns into the tables and plots.
 */
#ifndef IMEMFD_BENCH_H
#define IMEMFD_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MIN_REPS	5
#define BENCH_MAX_REPS	31

struct bench_stat {
	double med, min, max;
	int n;
};

static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * Lets the kernel finish what earlier operations deferred (RCU callbacks,
 * work items) before a timed region begins, so that it is not counted there.
 * Under -icount with sleep=off the idle guest skips ahead to its next timer,
 * so this costs little host time.
 */
static inline void bench_settle(void)
{
	usleep(50000);
}

static inline int bench_reps(void)
{
	const char *s = getenv("BENCH_REPS");
	int n = s ? atoi(s) : BENCH_MIN_REPS;

	if (n < BENCH_MIN_REPS)
		n = BENCH_MIN_REPS;
	if (n > BENCH_MAX_REPS)
		n = BENCH_MAX_REPS;
	/* An odd count has a middle value. */
	return n | 1;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, minimum and maximum of @v[0..@n) (sorts @v) */
static inline struct bench_stat bench_stat(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return (struct bench_stat){ v[n / 2], v[0], v[n - 1], n };
}

#define BENCH_SHMEM_KNOB "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/*
 * Sets shmem's huge page mode (the shmem_enabled knob) to @mode; if @old,
 * stores the mode it had (@len bytes at most) there first.  0 or -1.
 */
static inline int bench_shmem_huge(const char *mode, char *old, size_t len)
{
	char buf[256], *b, *e;
	FILE *f;

	if (old) {
		f = fopen(BENCH_SHMEM_KNOB, "r");
		if (!f || !fgets(buf, sizeof(buf), f)) {
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
		b = strchr(buf, '[');
		e = b ? strchr(b, ']') : NULL;
		if (!e || (size_t)(e - b) > len)
			return -1;
		memcpy(old, b + 1, e - b - 1);
		old[e - b - 1] = 0;
	}
	f = fopen(BENCH_SHMEM_KNOB, "w");
	if (!f)
		return -1;
	if (fputs(mode, f) < 0) {
		fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

/* A "Key: <n> kB" line of /proc/meminfo in bytes, or -1 */
static inline long bench_meminfo(const char *key)
{
	size_t len = strlen(key);
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10) * 1024;
	fclose(f);
	return v;
}

/* @x with four significant digits, or all of its integer ones */
static inline const char *bench_num(char buf[32], double x)
{
	double a = x < 0 ? -x : x;
	int d = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3;

	snprintf(buf, 32, "%.*f", d, x);
	return buf;
}

/*
 * One figure: @what of @bench, case @name, its repetitions in @s, compared
 * with case @base_name (statistics @base; NULL: no comparison) as the ratio
 * of the medians, ours over theirs.  Names must not contain commas.
 */
static inline void bench_row(const char *bench, const char *name,
			     const char *what, const char *unit,
			     struct bench_stat s, const char *base_name,
			     const struct bench_stat *base)
{
	const char *csv = getenv("BENCH_CSV");
	double spread = s.med ? (s.max - s.min) / s.med * 100 : 0;
	char ratio[32] = "", med[32], min[32], max[32];
	FILE *f;

	if (strchr(bench, ',') || strchr(name, ',') || strchr(what, ',') || strchr(unit, ',') ||
	    (base && strchr(base_name, ','))) {
		fprintf(stderr, "bench_row: a comma in \"%s\" / \"%s\"\n", name, what);
		exit(1);
	}
	if (base)
		snprintf(ratio, sizeof(ratio), "%.3f", s.med / base->med);
	printf("  %-34s %-24s %10s %-7s [%s .. %s, %.1f%%]%s%s%s%s\n",
	       name, what, bench_num(med, s.med), unit, bench_num(min, s.min),
	       bench_num(max, s.max), spread, base ? "  x" : "", ratio,
	       base ? " of " : "", base ? base_name : "");
	fflush(stdout);
	if (!csv)
		return;
	f = fopen(csv, "a");
	if (!f) {
		perror(csv);
		exit(1);
	}
	/* The CSV's ratio has more digits: runs are compared on it */
	if (base)
		snprintf(ratio, sizeof(ratio), "%.6g", s.med / base->med);
	fprintf(f, "%s,%s,%s,%s,%d,%.6g,%.6g,%.6g,%s,%s\n", bench, name, what,
		unit, s.n, s.med, s.min, s.max, base ? base_name : "", ratio);
	fclose(f);
}

#endif /* IMEMFD_BENCH_H */
