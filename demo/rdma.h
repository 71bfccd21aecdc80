/* SPDX-License-Identifier: GPL-2.0-only */
/* The soft-RoCE device the RDMA demonstration programs use. */
#ifndef IMEMFD_DEMO_RDMA_H
#define IMEMFD_DEMO_RDMA_H

#include <errno.h>
#include <infiniband/verbs.h>
#include <stdlib.h>
#include <string.h>

/* Opens $RDMA_DEV, or else the first rxe device; NULL with errno set */
static inline struct ibv_context *open_rxe(void)
{
	const char *want = getenv("RDMA_DEV");
	struct ibv_context *ctx = NULL;
	struct ibv_device **list;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *name = ibv_get_device_name(list[i]);

		if (want ? !strcmp(name, want) : !strncmp(name, "rxe", 3))
			break;
	}
	if (i < n)
		ctx = ibv_open_device(list[i]);
	else
		errno = ENODEV;
	ibv_free_device_list(list);
	return ctx;
}

#endif /* IMEMFD_DEMO_RDMA_H */
