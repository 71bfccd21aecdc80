// SPDX-License-Identifier: GPL-2.0
/*
 * bench-rdma-mr: memory regions over memfds against ibv_reg_mr() of
 * anonymous memory, on soft-RoCE (rxe), in the same run.
 *
 *   - registration: ibv_reg_mr() or ibv_reg_dmabuf_mr() of fresh memory and
 *     ibv_dereg_mr(), timed alone (the pins allocate and zero its pages on
 *     both paths; creating and freeing the memory is not counted);
 *   - RDMA WRITE: one pass of CHUNK-sized WRITEs from an anonymous buffer
 *     over the whole region through a loopback RC QP pair (after a pass
 *     that warmed it up), waiting on a completion channel when the CQ is
 *     empty.
 *
 * Targets: anonymous memory (ibv_reg_mr, the upstream path), an ordinary
 * memfd, an inaccessible memfd pinned and revocable (ibv_reg_dmabuf_mr).
 * Figures are us of guest time, the median of bench_reps() repetitions
 * (after one not counted) in which the targets take turns; the ratio is the target's time over the
 * anonymous memory's.  The device is the first rxe device, or $RDMA_DEV.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <infiniband/verbs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "rdma.h"

#ifndef MFD_INACCESSIBLE
#define MFD_INACCESSIBLE	0x0020U
#endif
#define ACCESS_REVOCABLE	(1 << 10)	/* IB_UVERBS_ACCESS_REVOCABLE */

#define SIZE		(4UL << 20)
#define CHUNK		(64UL << 10)
#define ACCESS		(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

enum target { ANON, MEMFD, INACC_PINNED, INACC_REVOCABLE, NR_TARGETS };

static const char *const target_name[NR_TARGETS] = {
	"anonymous ibv_reg_mr (upstream)", "memfd", "inaccessible pinned",
	"inaccessible revocable",
};

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_comp_channel *channel;
static struct ibv_cq *cq;
static struct ibv_qp *qp[2];

static void die(const char *what)
{
	fprintf(stderr, "bench-rdma-mr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void open_device(void)
{
	ctx = open_rxe();
	if (!ctx)
		die("no rxe device");
	pd = ibv_alloc_pd(ctx);
	channel = ibv_create_comp_channel(ctx);
	cq = channel ? ibv_create_cq(ctx, 256, NULL, channel, 0) : NULL;
	if (!pd || !cq)
		die("pd/cq");
}

/* Two RC QPs of the device connected to each other */
static void connect_qps(void)
{
	struct ibv_qp_init_attr init = {
		.send_cq = NULL, .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 64, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_port_attr port;
	union ibv_gid gid;
	int gid_index = -1, i;

	init.send_cq = init.recv_cq = cq;
	if (ibv_query_port(ctx, 1, &port))
		die("ibv_query_port");
	/* An IPv4-mapped GID (RoCEv2 over the veth's address), else GID 0 */
	for (i = 0; i < port.gid_tbl_len && gid_index < 0; i++) {
		if (ibv_query_gid(ctx, 1, i, &gid))
			break;
		if (!gid.raw[0] && !gid.raw[8] && gid.raw[10] == 0xff &&
		    gid.raw[11] == 0xff)
			gid_index = i;
	}
	if (gid_index < 0)
		gid_index = 0;
	if (ibv_query_gid(ctx, 1, gid_index, &gid))
		die("ibv_query_gid");

	for (i = 0; i < 2; i++) {
		qp[i] = ibv_create_qp(pd, &init);
		if (!qp[i])
			die("ibv_create_qp");
	}
	for (i = 0; i < 2; i++) {
		struct ibv_qp_attr a = {
			.qp_state = IBV_QPS_INIT, .port_num = 1,
			.qp_access_flags = IBV_ACCESS_REMOTE_WRITE |
					   IBV_ACCESS_REMOTE_READ,
		};

		if (ibv_modify_qp(qp[i], &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
				  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
			die("INIT");
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTR;
		a.path_mtu = port.active_mtu;
		a.dest_qp_num = qp[!i]->qp_num;
		a.max_dest_rd_atomic = 1;
		a.min_rnr_timer = 12;
		a.ah_attr.is_global = 1;
		a.ah_attr.grh.dgid = gid;
		a.ah_attr.grh.sgid_index = gid_index;
		a.ah_attr.grh.hop_limit = 1;
		a.ah_attr.port_num = 1;
		if (ibv_modify_qp(qp[i], &a, IBV_QP_STATE | IBV_QP_AV |
				  IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
				  IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
				  IBV_QP_MIN_RNR_TIMER))
			die("RTR");
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTS;
		a.timeout = 14;
		a.retry_cnt = 7;
		a.rnr_retry = 7;
		a.max_rd_atomic = 1;
		if (ibv_modify_qp(qp[i], &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
				  IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
				  IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
			die("RTS");
	}
}

struct region {
	struct ibv_mr *mr;
	void *anon;
	int fd;
};

/* Memory of target @t for @r, not registered yet */
static void region_memory(struct region *r, enum target t)
{
	r->fd = -1;
	r->anon = NULL;
	r->mr = NULL;
	if (t == ANON) {
		r->anon = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r->anon == MAP_FAILED)
			die("mmap");
	} else {
		r->fd = syscall(__NR_memfd_create, "bench", MFD_CLOEXEC |
				(t >= INACC_PINNED ? MFD_INACCESSIBLE : 0));
		if (r->fd < 0 || ftruncate(r->fd, SIZE))
			die("memfd");
	}
}

static void region_reg(struct region *r, enum target t)
{
	int access = ACCESS | (t == INACC_REVOCABLE ? ACCESS_REVOCABLE : 0);

	r->mr = r->anon ? ibv_reg_mr(pd, r->anon, SIZE, access) :
			  ibv_reg_dmabuf_mr(pd, 0, SIZE, 0, r->fd, access);
	if (!r->mr)
		die(target_name[t]);
}

static void region_dereg(struct region *r)
{
	if (ibv_dereg_mr(r->mr))
		die("ibv_dereg_mr");
}

static void region_free(struct region *r)
{
	if (r->anon)
		munmap(r->anon, SIZE);
	if (r->fd >= 0)
		close(r->fd);
}

/* Waits for a completion event of the CQ, rather than spinning on it */
static void wait_cq(void)
{
	struct ibv_cq *ev_cq;
	void *ev_ctx;

	if (ibv_get_cq_event(channel, &ev_cq, &ev_ctx))
		die("ibv_get_cq_event");
	ibv_ack_cq_events(ev_cq, 1);
	if (ibv_req_notify_cq(cq, 0))
		die("ibv_req_notify_cq");
}

/* One pass of WRITEs over the region, all completions reaped */
static double write_pass(struct region *r, struct ibv_mr *src)
{
	unsigned long off, posted = 0, done = 0;
	double t0 = bench_now_ns();
	struct ibv_wc wc[16];

	for (off = 0; off < SIZE || done < posted;) {
		int n;

		if (off < SIZE && posted - done < 32) {
			struct ibv_sge sge = {
				.addr = (uintptr_t)src->addr,
				.length = CHUNK, .lkey = src->lkey,
			};
			struct ibv_send_wr wr = {
				.sg_list = &sge, .num_sge = 1,
				.opcode = IBV_WR_RDMA_WRITE,
				.send_flags = IBV_SEND_SIGNALED,
				.wr.rdma.remote_addr =
					(uintptr_t)r->mr->addr + off,
				.wr.rdma.rkey = r->mr->rkey,
			}, *bad;

			if (!r->anon)
				wr.wr.rdma.remote_addr = off;
			if (ibv_post_send(qp[0], &wr, &bad))
				die("ibv_post_send");
			off += CHUNK;
			posted++;
			continue;
		}
		n = ibv_poll_cq(cq, 16, wc);
		if (n < 0)
			die("ibv_poll_cq");
		if (!n) {
			/*
			 * One vCPU runs both this loop and rxe's work: sleep
			 * until a completion instead of counting a spin.
			 */
			wait_cq();
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (wc[i].status != IBV_WC_SUCCESS) {
				errno = EIO;
				fprintf(stderr, "WRITE: %s\n",
					ibv_wc_status_str(wc[i].status));
				die("RDMA WRITE");
			}
		}
		done += n;
	}
	return bench_now_ns() - t0;
}

/* us of guest time of a registration + deregistration, and of a WRITE pass */
static void measure(enum target t, struct ibv_mr *src, double *reg, double *wr)
{
	struct region r;
	double t0, t1;

	region_memory(&r, t);
	bench_settle();
	t0 = bench_now_ns();
	region_reg(&r, t);
	t0 = bench_now_ns() - t0;
	bench_settle();
	t1 = bench_now_ns();
	region_dereg(&r);
	*reg = (t0 + bench_now_ns() - t1) / 1e3;
	region_free(&r);

	region_memory(&r, t);
	region_reg(&r, t);
	write_pass(&r, src);	/* warm: pages are in place */
	bench_settle();
	*wr = write_pass(&r, src) / 1e3;
	region_dereg(&r);
	region_free(&r);
}

int main(void)
{
	static double reg[NR_TARGETS][BENCH_MAX_REPS], wr[NR_TARGETS][BENCH_MAX_REPS];
	struct bench_stat reg0, wr0;
	int reps = bench_reps();
	struct ibv_mr *src;
	void *buf;

	open_device();
	connect_qps();
	buf = malloc(CHUNK);
	if (!buf)
		die("malloc");
	memset(buf, 0x5a, CHUNK);
	src = ibv_reg_mr(pd, buf, CHUNK, IBV_ACCESS_LOCAL_WRITE);
	if (!src)
		die("ibv_reg_mr");
	if (ibv_req_notify_cq(cq, 0))
		die("ibv_req_notify_cq");

	/* A first round, not counted, warms the allocators up */
	for (int t = 0; t < NR_TARGETS; t++)
		measure(t, src, &reg[t][0], &wr[t][0]);
	for (int i = 0; i < reps; i++)
		for (int t = 0; t < NR_TARGETS; t++)
			measure(t, src, &reg[t][i], &wr[t][i]);

	printf("MR of %lu MiB on %s, us of guest time, median of %d\n",
	       SIZE >> 20, ibv_get_device_name(ctx->device), reps);
	reg0 = bench_stat(reg[ANON], reps);
	wr0 = bench_stat(wr[ANON], reps);
	for (int t = 0; t < NR_TARGETS; t++)
		bench_row("rdma-mr", target_name[t], "reg + dereg", "us",
			  bench_stat(reg[t], reps), target_name[ANON], &reg0);
	for (int t = 0; t < NR_TARGETS; t++)
		bench_row("rdma-mr", target_name[t], "RDMA WRITE of the MR", "us",
			  bench_stat(wr[t], reps), target_name[ANON], &wr0);

	ibv_dereg_mr(src);
	ibv_destroy_qp(qp[0]);
	ibv_destroy_qp(qp[1]);
	ibv_destroy_cq(cq);
	ibv_destroy_comp_channel(channel);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return 0;
}
