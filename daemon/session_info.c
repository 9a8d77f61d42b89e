// SPDX-License-Identifier: MIT
/**
 * DOC: session_info.c - `aether stats` and `aether ss` over the socket
 *
 * STATS answers every stack counter (ae_stack_stats_foreach()) and the ipc
 * counters of session.h, by name. SOCKETS answers the stack's socket table
 * (ae_stack_sockets_foreach()), each line with the pid/uid of the client that
 * owns it, found by matching addresses against the connections. uid 0 sees
 * every socket; other users see only the sockets of their own uid, so one
 * user cannot even look at another's connections.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto.h"
#include "session.h"

/**
 * session_stats_foreach() - every counter of the daemon, one call each
 * @d:		daemon
 * @fn:		visitor
 * @ctx:	its argument
 *
 * The device's (tap, pcap, impair_*), the stack's, then the ipc group: what
 * `aether stats` shows and what SIGUSR1 prints, from one list.
 */
void session_stats_foreach(const struct aetherd *d, ae_stat_fn fn, void *ctx)
{
	struct session_srv *srv = d->srv;
	uint64_t live, pooled;

	if (d->dev_stats)
		d->dev_stats(d->dev_ctx, fn, ctx);
	ae_stack_stats_foreach(d->stack, fn, ctx);
	if (!srv)
		return;
#define SESS_STAT_VISIT(n) fn(ctx, "ipc", #n, srv->stats.n);
	SESS_STATS(SESS_STAT_VISIT)
#undef SESS_STAT_VISIT
	fn(ctx, "ipc", "live_conns", srv->nconns);
	fn(ctx, "ipc", "live_regions", srv->nregions);
	fn(ctx, "ipc", "live_region_bytes", srv->region_bytes);
	fn(ctx, "ipc", "pooled_regions", srv->npooled);
	sess_ring_resident(srv, &live, &pooled);
	fn(ctx, "ipc", "ring_resident_bytes", live);
	fn(ctx, "ipc", "pool_resident_bytes", pooled);
}

/**
 * sess_op_stats() - AE_MSG_STATS
 * @c:		connection
 * @h:		request
 *
 * Return: 0 or -errno from sending
 */
int sess_op_stats(struct sconn *c, const struct ae_ipc_hdr *h)
{
	struct session_srv *srv = c->srv;
	uint32_t max = (AE_IPC_MAX_MSG - 64) / sizeof(struct ae_ipc_stat);
	struct ipc_stat_list sc = { .max = max };
	struct ae_ipc_stats_resp r = { 0 };
	int ret;

	sc.e = calloc(max, sizeof(*sc.e));
	if (!sc.e)
		return sess_reply(c, h, -ENOMEM, NULL, 0, NULL, 0, NULL, 0);
	session_stats_foreach(srv->d, ipc_stat_add, &sc);
	r.count = sc.n;
	ret = sess_reply(c, h, (int32_t)sc.n, &r, sizeof(r), sc.e,
			 sc.n * sizeof(*sc.e), NULL, 0);
	free(sc.e);
	return ret;
}

/**
 * struct owner - a connection's addresses, to find a socket's owner
 * @type:	socket type
 * @local:	local address
 * @remote:	remote address (zero if none)
 * @cl:		owning client
 */
struct owner {
	int type;
	struct sockaddr_in local, remote;
	struct sclient *cl;
};

/**
 * struct ss_ctx - building a SOCKETS answer
 * @own:	owners of live connections, @nown
 * @nown:	count
 * @all:	uid 0: see everything
 * @uid:	the asker's uid
 * @e:		visible lines, @n used of @max
 * @n:		used
 * @max:	room
 */
struct ss_ctx {
	struct owner *own;
	uint32_t nown;
	bool all;
	uid_t uid;
	struct ae_ipc_sockent *e;
	uint32_t n, max;
};

/**
 * same_addr() - equal IPv4 socket addresses?
 * @a:		one
 * @b:		other
 *
 * Return: true if address and port match
 */
static bool same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr &&
	       a->sin_port == b->sin_port;
}

/**
 * add_sock() - one line of the stack's table into the answer
 * @ctx:	struct ss_ctx
 * @info:	the line
 */
static void add_sock(void *ctx, const struct ae_sock_info *info)
{
	struct ss_ctx *x = ctx;
	struct sclient *cl = NULL;
	struct ae_ipc_sockent *e;
	uint32_t i;

	for (i = 0; i < x->nown; i++) {
		if (x->own[i].type == info->type &&
		    same_addr(&x->own[i].local, &info->local) &&
		    same_addr(&x->own[i].remote, &info->remote)) {
			cl = x->own[i].cl;
			break;
		}
	}
	if (!x->all && (!cl || cl->uid != x->uid))
		return;
	if (x->n >= x->max)
		return;
	e = &x->e[x->n++];
	memset(e, 0, sizeof(*e));
	e->type = info->type;
	e->state = info->state;
	e->local.addr = info->local.sin_addr.s_addr;
	e->local.port = info->local.sin_port;
	e->remote.addr = info->remote.sin_addr.s_addr;
	e->remote.port = info->remote.sin_port;
	e->rx_queued = info->rx_queued;
	e->tx_queued = info->tx_queued;
	e->pid = cl ? cl->pid : 0;
	e->uid = cl ? cl->uid : 0;
	e->rtt_us = info->rtt_us;
	e->rttvar_us = info->rttvar_us;
	e->rto_us = info->rto_us;
	e->cwnd = info->cwnd;
	e->ssthresh = info->ssthresh;
	e->mss = info->mss;
	memcpy(e->congestion, info->congestion, sizeof(e->congestion));
	e->congestion[sizeof(e->congestion) - 1] = 0;
	strncpy(e->state_name, info->type == SOCK_STREAM ?
		ae_tcp_state_name(info->state) : "UNCONN",
		sizeof(e->state_name) - 1);
}

/**
 * collect_owners() - addresses of every connection's socket
 * @srv:	server
 * @x:		context to fill
 *
 * Return: 0 or -ENOMEM
 */
static int collect_owners(struct session_srv *srv, struct ss_ctx *x)
{
	struct sconn *c;

	x->own = calloc(srv->nconns + 1, sizeof(*x->own));
	if (!x->own)
		return -ENOMEM;
	LIST_FOREACH(c, &srv->conns, link) {
		struct owner *o = &x->own[x->nown];

		/* cppcheck does not see through LIST_FOREACH's assignment */
		// cppcheck-suppress uninitvar
		if (!c->sk)
			continue;
		o->type = c->type;
		o->cl = c->cl;
		ae_getsockname(c->sk, &o->local);
		if (ae_getpeername(c->sk, &o->remote))
			memset(&o->remote, 0, sizeof(o->remote));
		x->nown++;
	}
	return 0;
}

/**
 * sess_op_sockets() - AE_MSG_SOCKETS, paged from the index in @p
 * @c:		connection
 * @h:		request
 * @p:		payload (struct ae_ipc_int_req: first index)
 *
 * Return: 0 or -errno from sending
 */
int sess_op_sockets(struct sconn *c, const struct ae_ipc_hdr *h, const void *p)
{
	struct session_srv *srv = c->srv;
	struct ae_ipc_sockets_resp r = { 0 };
	struct ae_ipc_int_req q;
	struct ss_ctx x = { .all = c->cl->uid == 0, .uid = c->cl->uid };
	uint32_t start;
	int ret;

	memcpy(&q, p, sizeof(q));
	start = q.val < 0 ? 0 : (uint32_t)q.val;
	x.max = 65536 + 16;
	x.e = calloc(x.max, sizeof(*x.e));
	if (!x.e || collect_owners(srv, &x)) {
		free(x.e);
		return sess_reply(c, h, -ENOMEM, NULL, 0, NULL, 0, NULL, 0);
	}
	ae_stack_sockets_foreach(srv->d->stack, add_sock, &x);
	r.total = x.n;
	if (start > x.n)
		start = x.n;
	r.count = x.n - start;
	if (r.count > AE_IPC_SOCKETS_PER_MSG)
		r.count = AE_IPC_SOCKETS_PER_MSG;
	r.next = start + r.count;
	ret = sess_reply(c, h, (int32_t)r.count, &r, sizeof(r), x.e + start,
			 r.count * sizeof(*x.e), NULL, 0);
	free(x.e);
	free(x.own);
	return ret;
}
