/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the demonstration programs: how a call went, and the
 * bindings an inaccessible memfd reports in fdinfo.
 */
#ifndef IMEMFD_DEMO_H
#define IMEMFD_DEMO_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* "ok" or "refused: ERRNO (message)" for a syscall's return value */
static inline const char *res(long ret)
{
	static char buf[96];

	if (ret >= 0)
		return "ok";
	snprintf(buf, sizeof(buf), "refused: %s (%s)", strerrorname_np(errno),
		 strerror(errno));
	return buf;
}

static inline int has_prefix(const char *line, const char *const *prefixes,
			     unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strncmp(line, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/*
 * Print /proc/self/fdinfo/@fd: its binding lines only, or everything but the
 * generic file lines.
 */
static inline void print_fdinfo(int fd, int bindings_only)
{
	static const char *const generic[] = { "pos:", "flags:", "mnt_id:", "ino:" };
	static const char *const bindings[] = { "bindings:", "pinned_pages:", "binding:" };
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (bindings_only ? has_prefix(line, bindings, 3) :
				    !has_prefix(line, generic, 4))
			printf("    %s%s", bindings_only ? "fdinfo " : "", line);
	fclose(f);
}

static inline void show_bindings(int fd)
{
	print_fdinfo(fd, 1);
}

#ifdef SELFTEST_KVM_UTIL_H
#include <stdarg.h>

/*
 * Run @code(up to six arguments) on @vcpu until GUEST_DONE(); the values it
 * reports with GUEST_SYNC() land in @vals.  Returns how many there were.
 */
static inline int run_guest(struct kvm_vcpu *vcpu, void *code, uint64_t *vals,
			    int nargs, ...)
{
	uint64_t a[6] = {};
	struct ucall uc;
	int n = 0, i;
	va_list ap;

	va_start(ap, nargs);
	for (i = 0; i < nargs && i < 6; i++)
		a[i] = va_arg(ap, uint64_t);
	va_end(ap);
	vcpu_arch_set_entry_point(vcpu, code);
	vcpu_args_set(vcpu, nargs, a[0], a[1], a[2], a[3], a[4], a[5]);
	for (;;) {
		vcpu_run(vcpu);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			vals[n++] = uc.args[1];
			break;
		case UCALL_DONE:
			return n;
		default:
			REPORT_GUEST_ASSERT(uc);
		}
	}
}
#endif

#endif /* IMEMFD_DEMO_H */
