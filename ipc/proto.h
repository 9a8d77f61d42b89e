/* SPDX-License-Identifier: MIT */
/**
 * DOC: proto.h - encoding and validation of aether_ipc.h messages
 *
 * One place decides whether a datagram is a well-formed message, so the
 * daemon (requests) and the client library (responses) apply the same rules
 * and the fuzz target and unit tests exercise exactly that code.
 */
#ifndef AETHER_IPC_PROTO_H
#define AETHER_IPC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aether_ipc.h"

/* ipc_check_request() result that means "not even a header: drop the link" */
#define IPC_CLOSE	(-10000)

void ipc_hdr_init(struct ae_ipc_hdr *h, uint16_t type, uint32_t len,
		  uint32_t seq, int32_t result);
const char *ipc_type_name(unsigned int type);
bool ipc_is_request(unsigned int type);
int ipc_check_request(const void *buf, size_t n, struct ae_ipc_hdr *hdr);
int ipc_check_response(const void *buf, size_t n, uint16_t type,
		       size_t min_payload);
const void *ipc_payload(const void *buf);

/**
 * struct ipc_stat_list - counters gathered for (or from) a STATS answer
 * @e:		entries, room for @max
 * @n:		used
 * @max:	room
 */
struct ipc_stat_list {
	struct ae_ipc_stat *e;
	uint32_t n, max;
};

void ipc_stat_add(void *list, const char *group, const char *name,
		  uint64_t value);

#endif /* AETHER_IPC_PROTO_H */
