/* SPDX-License-Identifier: MIT */
/**
 * DOC: tcp_helpers.h - segment builders and parsers for the TCP suites
 *
 * The peer is 192.168.1.1 (FAKE_PEER), we are 192.168.1.2 (FAKE_ADDR).
 * th_send() builds a segment with a correct checksum (computed by fakedev's
 * independent reference code) and feeds it to the stack; th_get() decodes
 * the i-th emitted frame if it is TCP, verifying its checksum the same way.
 * th_accept_conn() / th_connect_conn() run a whole handshake so that tests
 * can start from ESTABLISHED.
 */
#ifndef AE_TCP_HELPERS_H
#define AE_TCP_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aether.h"

#define TH_F_FIN	0x01
#define TH_F_SYN	0x02
#define TH_F_RST	0x04
#define TH_F_PSH	0x08
#define TH_F_ACK	0x10

#define TH_PEER_PORT	40000
#define TH_PORT		80

/**
 * struct tseg - a segment to send (zero fields take defaults)
 * @sport, @dport: host order (default TH_PEER_PORT -> TH_PORT)
 * @seq, @ack:	sequence numbers
 * @flags:	TH_F_*
 * @win:	window field (default 65535 unless @zero_win)
 * @opt, @optlen: raw option bytes (padded to 4 by the builder)
 * @data, @len:	payload
 * @bad_csum:	corrupt the checksum
 * @doff:	override data offset (words), 0 = computed
 * @src:	source address (default FAKE_PEER)
 */
struct tseg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	bool zero_win;
	const uint8_t *opt;
	size_t optlen;
	const void *data;
	size_t len;
	bool bad_csum;
	uint8_t doff;
	uint32_t src;
};

/**
 * struct tpkt - an emitted TCP segment, decoded
 */
struct tpkt {
	uint32_t src, dst;
	uint16_t sport, dport;	/* host order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	bool csum_ok;
	uint16_t mss;
	int wscale;		/* -1 when absent */
	bool sack_ok, has_ts;
	uint32_t ts_val, ts_ecr;
	int nsack;
	uint32_t sack[4][2];
	const uint8_t *data;
	size_t len;
};

size_t th_build(uint8_t *buf, size_t cap, const struct tseg *t);
void th_send(struct ae_stack *s, const struct tseg *t);
bool th_get(int i, struct tpkt *out);
int th_count(void);
bool th_last(struct tpkt *out);
bool th_next(int *cursor, struct tpkt *out);

/**
 * struct tconn - one side of a test connection as the fake peer sees it
 * @sk:		our socket (the accepted or connecting one)
 * @lsk:	listener (passive) or NULL
 * @peer_nxt:	the peer's next sequence number
 * @our_nxt:	what the peer expects from us next (its RCV.NXT)
 * @peer_port:	host order
 * @port:	our port, host order
 */
struct tconn {
	struct ae_sock *sk, *lsk;
	uint32_t peer_nxt, our_nxt;
	uint16_t peer_port, port;
	unsigned int events;
};

struct ae_stack *th_fixture(struct tconn *c);
struct ae_sock *th_listener(struct ae_stack *s, uint16_t port, int backlog);
void th_accept_conn(struct ae_stack *s, struct tconn *c, uint32_t isn,
		    const uint8_t *opt, size_t optlen);
void th_connect_conn(struct ae_stack *s, struct tconn *c, uint32_t isn);
void th_peer_send(struct ae_stack *s, struct tconn *c, uint8_t flags,
		  const void *data, size_t len);
void th_peer_ack(struct ae_stack *s, struct tconn *c);
void th_cb(struct ae_sock *sk, unsigned int events, void *user);
uint64_t th_stat(struct ae_stack *s, const char *name);
void th_run_ms(struct ae_stack *s, uint64_t ms);
void th_advance_to_next(struct ae_stack *s);

#endif /* AE_TCP_HELPERS_H */
