// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_usrreq.c - placeholder entry points (being replaced)
 */
#include <errno.h>

#include "tcp.h"

/** tcp_init() - stub @s: stack Return: 0 */
int tcp_init(struct ae_stack *s) { return 0; }
/** tcp_fini() - stub @s: stack */
void tcp_fini(struct ae_stack *s) { }
/** tcp_input() - stub @s: stack @ip: ip @p: pkt */
void tcp_input(struct ae_stack *s, const struct ae_ipinfo *ip, const struct ae_pkt *p) { }
/** tcp_icmp_error() - stub @s: s @type: t @code: c @mtu: m @inner: i */
void tcp_icmp_error(struct ae_stack *s, uint8_t type, uint8_t code, uint16_t mtu, const struct ae_pkt *inner) { }
/** tcp_timer() - stub @s: s */
void tcp_timer(struct ae_stack *s) { }
/** tcp_next_timeout() - stub @s: s Return: never */
uint64_t tcp_next_timeout(const struct ae_stack *s) { return AE_NEVER; }
/** tcp_sock_info() - stub @sk: sk @info: info */
void tcp_sock_info(const struct ae_sock *sk, struct ae_sock_info *info) { }
/** tcp_poll_mask() - stub @tp: tp Return: 0 */
unsigned int tcp_poll_mask(const struct tcp_sock *tp) { return 0; }
/** tcp_usr_socket() - stub @s: s @err: err Return: NULL */
struct ae_sock *tcp_usr_socket(struct ae_stack *s, int *err) { *err = -ENOMEM; return NULL; }
int tcp_usr_bind(struct tcp_sock *tp, uint32_t addr, uint16_t port) { return -EINVAL; }
int tcp_usr_listen(struct tcp_sock *tp, int backlog) { return -EINVAL; }
int tcp_usr_accept(struct tcp_sock *tp, struct tcp_sock **out) { return -EINVAL; }
int tcp_usr_connect(struct tcp_sock *tp, uint32_t addr, uint16_t port) { return -EINVAL; }
ssize_t tcp_usr_send(struct tcp_sock *tp, const void *buf, size_t len, int flags) { return -EINVAL; }
ssize_t tcp_usr_recv(struct tcp_sock *tp, void *buf, size_t len, int flags) { return -EINVAL; }
int tcp_usr_shutdown(struct tcp_sock *tp, int how) { return -EINVAL; }
int tcp_usr_close(struct tcp_sock *tp) { return 0; }
void tcp_usr_abort(struct tcp_sock *tp) { }
void tcp_usr_rx_consumed(struct tcp_sock *tp, uint32_t n) { }
void tcp_usr_tx_committed(struct tcp_sock *tp, uint32_t n) { }
int tcp_usr_setsockopt(struct tcp_sock *tp, int level, int name, const void *val, size_t len) { return -ENOPROTOOPT; }
int tcp_usr_getsockopt(struct tcp_sock *tp, int level, int name, void *val, size_t *len) { return -ENOPROTOOPT; }
