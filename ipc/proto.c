// SPDX-License-Identifier: MIT
/**
 * DOC: proto.c - message validation shared by the daemon and the client
 *
 * Theory of operation: a message is one datagram. Its header is copied out
 * (the buffer need not be aligned), then checked field by field against the
 * number of bytes the kernel actually delivered, never against what the
 * sender claims alone. Each request type has a fixed payload struct; the two
 * types with a variable part (SETSOCKOPT's value, SENDTO's data) declare its
 * length in the fixed part, and fixed + declared must equal the real payload.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

/* A variable-length payload: fixed part + a length field inside it. */
#define VAR	0x80000000u

/**
 * struct ipc_type_desc - what a request type carries
 * @name:	for logs and `aether stats`
 * @payload:	fixed payload bytes, | VAR when a variable part follows
 * @request:	the shim may send it
 */
struct ipc_type_desc {
	const char *name;
	uint32_t payload;
	bool request;
};

static const struct ipc_type_desc ipc_types[AE_MSG_MAX] = {
	[AE_MSG_SOCKET]	= { "socket", sizeof(struct ae_ipc_socket_req), true },
	[AE_MSG_BIND]	= { "bind", sizeof(struct ae_ipc_addr_req), true },
	[AE_MSG_LISTEN]	= { "listen", sizeof(struct ae_ipc_int_req), true },
	[AE_MSG_ACCEPT]	= { "accept", sizeof(struct ae_ipc_int_req), true },
	[AE_MSG_CONNECT] = { "connect", sizeof(struct ae_ipc_addr_req), true },
	[AE_MSG_SHUTDOWN] = { "shutdown", sizeof(struct ae_ipc_int_req), true },
	[AE_MSG_CLOSE]	= { "close", 0, true },
	[AE_MSG_GETSOCKNAME] = { "getsockname", 0, true },
	[AE_MSG_GETPEERNAME] = { "getpeername", 0, true },
	[AE_MSG_SETSOCKOPT] = { "setsockopt",
				sizeof(struct ae_ipc_sockopt) | VAR, true },
	[AE_MSG_GETSOCKOPT] = { "getsockopt", sizeof(struct ae_ipc_sockopt), true },
	[AE_MSG_SENDTO]	= { "sendto", sizeof(struct ae_ipc_dgram) | VAR, true },
	[AE_MSG_RECVFROM] = { "recvfrom", sizeof(struct ae_ipc_dgram), true },
	[AE_MSG_STATS]	= { "stats", 0, true },
	[AE_MSG_SOCKETS] = { "sockets", sizeof(struct ae_ipc_int_req), true },
	[AE_MSG_ATTACH]	= { "attach", 0, true },
	[AE_MSG_DOORBELL] = { "doorbell", 0, true },
	[AE_MSG_NOTIFY]	= { "notify", 0, false },
	[AE_MSG_SETLIMITS] = { "setlimits", sizeof(struct ae_ipc_limits), true },
	[AE_MSG_FLUSH]	= { "flush", 0, true },
	[AE_MSG_ALIVE]	= { "alive", 0, true },
	[AE_MSG_UNACCEPT] = { "unaccept", 0, true },
};

/**
 * ipc_hdr_init() - fill a message header
 * @h:		header
 * @type:	message type
 * @len:	whole message length
 * @seq:	sequence number
 * @result:	result (responses) or 0
 */
void ipc_hdr_init(struct ae_ipc_hdr *h, uint16_t type, uint32_t len,
		  uint32_t seq, int32_t result)
{
	h->version = AE_IPC_VERSION;
	h->type = type;
	h->len = len;
	h->seq = seq;
	h->result = result;
}

/**
 * ipc_type_name() - printable name of a message type
 * @type:	type
 *
 * Return: a name, "unknown" for anything else
 */
const char *ipc_type_name(unsigned int type)
{
	if (type >= AE_MSG_MAX || !ipc_types[type].name)
		return "unknown";
	return ipc_types[type].name;
}

/**
 * ipc_is_request() - may a shim send this type?
 * @type:	type
 *
 * Return: true for known request types
 */
bool ipc_is_request(unsigned int type)
{
	return type < AE_MSG_MAX && ipc_types[type].request;
}

/**
 * ipc_payload() - the payload after the header
 * @buf:	message
 *
 * Return: pointer to the first payload byte
 */
const void *ipc_payload(const void *buf)
{
	return (const uint8_t *)buf + sizeof(struct ae_ipc_hdr);
}

/**
 * ipc_var_len() - the declared variable length of a SETSOCKOPT / SENDTO
 * @type:	AE_MSG_SETSOCKOPT or AE_MSG_SENDTO
 * @fixed:	the fixed payload (already known to be complete)
 * @len:	set to the declared length
 *
 * Return: 0, or -EMSGSIZE when the declared length exceeds the type's bound
 */
static int ipc_var_len(unsigned int type, const uint8_t *fixed, uint32_t *len)
{
	if (type == AE_MSG_SETSOCKOPT) {
		struct ae_ipc_sockopt o;

		memcpy(&o, fixed, sizeof(o));
		*len = o.len;
		return o.len > AE_IPC_MAX_OPTLEN ? -EINVAL : 0;
	}
	{
		struct ae_ipc_dgram d;

		memcpy(&d, fixed, sizeof(d));
		*len = d.len;
		return d.len > AE_IPC_MAX_UDP ? -EMSGSIZE : 0;
	}
}

/**
 * ipc_check_payload() - payload size against the type's layout
 * @type:	a known request type
 * @buf:	message
 * @n:		real message size
 *
 * Return: 0, or -EINVAL / -EMSGSIZE
 */
static int ipc_check_payload(unsigned int type, const uint8_t *buf, size_t n)
{
	size_t got = n - sizeof(struct ae_ipc_hdr);
	uint32_t want = ipc_types[type].payload;
	uint32_t var;
	int ret;

	if (!(want & VAR))
		return got == want ? 0 : -EINVAL;
	want &= ~VAR;
	if (got < want)
		return -EINVAL;
	ret = ipc_var_len(type, buf + sizeof(struct ae_ipc_hdr), &var);
	if (ret)
		return ret;
	return got == (size_t)want + var ? 0 : -EINVAL;
}

/**
 * ipc_check_request() - validate a datagram received by the daemon
 * @buf:	datagram
 * @n:		bytes the kernel delivered
 * @hdr:	set to a copy of the header (when at least a header arrived)
 *
 * Return: 0 valid; IPC_CLOSE when not even a header arrived (drop the
 *	   connection); else the -errno to answer with: -EPROTO (version),
 *	   -EMSGSIZE (len field or size out of bounds), -EOPNOTSUPP (unknown
 *	   or non-request type), -EINVAL (payload does not fit the type)
 */
int ipc_check_request(const void *buf, size_t n, struct ae_ipc_hdr *hdr)
{
	if (!buf || n < sizeof(*hdr))
		return IPC_CLOSE;
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->version != AE_IPC_VERSION)
		return -EPROTO;
	if (n > AE_IPC_MAX_MSG || hdr->len != n)
		return -EMSGSIZE;
	if (!ipc_is_request(hdr->type))
		return -EOPNOTSUPP;
	if (hdr->result != 0 && !(hdr->result == AE_REQ_NOREPLY &&
				  hdr->type == AE_MSG_SETSOCKOPT))
		return -EINVAL;
	return ipc_check_payload(hdr->type, buf, n);
}

/**
 * ipc_check_response() - validate a datagram received by the client
 * @buf:	datagram
 * @n:		bytes the kernel delivered
 * @type:	the request type it must answer
 * @min_payload: payload bytes a successful answer must carry at least
 *
 * An error answer (result < 0) may carry no payload.
 *
 * Return: 0 valid, -EPROTO otherwise
 */
int ipc_check_response(const void *buf, size_t n, uint16_t type,
		       size_t min_payload)
{
	struct ae_ipc_hdr h;

	if (!buf || n < sizeof(h) || n > AE_IPC_MAX_MSG)
		return -EPROTO;
	memcpy(&h, buf, sizeof(h));
	if (h.version != AE_IPC_VERSION || h.len != n || h.type != type)
		return -EPROTO;
	if (h.result >= 0 && n - sizeof(h) < min_payload)
		return -EPROTO;
	return 0;
}

/**
 * ipc_stat_add() - append one counter to a struct ipc_stat_list
 * @list:	struct ipc_stat_list (void * to serve as a stats callback)
 * @group:	group, truncated to the wire's field
 * @name:	name, truncated to the wire's field
 * @value:	value
 *
 * A full list keeps what it has: the answer is bounded by one message.
 */
void ipc_stat_add(void *list, const char *group, const char *name,
		  uint64_t value)
{
	struct ipc_stat_list *l = list;
	struct ae_ipc_stat *e;

	if (l->n >= l->max)
		return;
	e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->group, sizeof(e->group), "%s", group);
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->value = value;
}
