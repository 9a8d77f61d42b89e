/* SPDX-License-Identifier: MIT */
/**
 * DOC: stats.h - named counters, like `netstat -s`
 *
 * Each group is an X-macro list; struct ae_stats gets one uint64_t per name and
 * ae_stack_stats_foreach() walks them by name. Every dropped packet counts
 * into exactly one of these. Add a counter by adding a line to its group.
 */
#ifndef AE_STATS_H
#define AE_STATS_H

#include <stdint.h>

#define AE_STATS_ETH(X) \
	X(eth, in_frames) X(eth, out_frames) X(eth, in_runt) \
	X(eth, in_not_for_us) X(eth, in_unknown_type)

#define AE_STATS_ARP(X) \
	X(arp, in_requests) X(arp, in_replies) X(arp, out_requests) \
	X(arp, out_replies) X(arp, in_malformed) X(arp, in_not_for_us) \
	X(arp, queue_drops) X(arp, resolve_failed) X(arp, cache_full) \
	X(arp, in_conflicts)

#define AE_STATS_IP(X) \
	X(ip, in_receives) X(ip, in_delivers) X(ip, out_requests) \
	X(ip, in_hdr_errors) X(ip, in_truncated) X(ip, in_csum_errors) \
	X(ip, in_bad_version) X(ip, in_bad_ihl) X(ip, in_addr_errors) \
	X(ip, in_unknown_protos) X(ip, in_ttl_expired) \
	X(ip, reasm_reqds) X(ip, reasm_oks) X(ip, reasm_fails) \
	X(ip, reasm_timeouts) X(ip, reasm_overlaps) X(ip, reasm_no_memory) \
	X(ip, frag_creates) X(ip, frag_oks) X(ip, out_no_routes) \
	X(ip, out_discards) X(ip, reasm_dups) X(ip, loop_out) X(ip, loop_drops)

#define AE_STATS_ICMP(X) \
	X(icmp, in_msgs) X(icmp, in_errors) X(icmp, in_csum_errors) \
	X(icmp, in_echos) X(icmp, in_dest_unreachs) X(icmp, in_other) \
	X(icmp, out_msgs) X(icmp, out_echo_reps) X(icmp, out_dest_unreachs) \
	X(icmp, out_rate_limited) X(icmp, in_bcast_ignored) X(icmp, out_other) \
	X(icmp, local_errors)

#define AE_STATS_UDP(X) \
	X(udp, in_datagrams) X(udp, out_datagrams) X(udp, no_ports) \
	X(udp, in_errors) X(udp, in_csum_errors) X(udp, rcvbuf_errors) \
	X(udp, in_truncated)

/* TCP counters: owned by the TCP modules; names follow Linux's TcpExt. */
#define AE_STATS_TCP(X) \
	X(tcp, active_opens) X(tcp, passive_opens) X(tcp, attempt_fails) \
	X(tcp, estab_resets) X(tcp, curr_estab) X(tcp, in_segs) \
	X(tcp, out_segs) X(tcp, retrans_segs) X(tcp, in_errs) \
	X(tcp, in_csum_errors) X(tcp, out_rsts) X(tcp, in_rsts) \
	X(tcp, in_truncated) X(tcp, in_bad_offset) X(tcp, in_bad_options) \
	X(tcp, in_no_socket) X(tcp, in_out_of_window) \
	X(tcp, challenge_acks) X(tcp, syn_queue_drops) \
	X(tcp, accept_queue_drops) X(tcp, accepts) X(tcp, accept_wait_ms) \
	X(tcp, accept_waits_1s) X(tcp, unaccepts) X(tcp, syn_cookies_sent) \
	X(tcp, syn_cookies_recv) X(tcp, syn_cookies_failed) \
	X(tcp, ofo_queued) X(tcp, ofo_drops) X(tcp, timeouts) \
	X(tcp, fast_retrans) X(tcp, time_wait_reused) \
	X(tcp, defer_accept_held) X(tcp, drop_after_ack) X(tcp, drop_with_reset) X(tcp, drop) \
	X(tcp, tlp_probes) X(tcp, lost_retrans) X(tcp, time_wait_recycled) \
	X(tcp, rcvbuf_grown) X(tcp, ack_skipped) X(tcp, dsack_sent) \
	X(tcp, paced) X(tcp, rack_retrans) X(tcp, bbr_probe_rtt) \
	X(tcp, bbr_rec_full) X(tcp, out_tso_frames)

#define AE_STATS_ALL(X) \
	AE_STATS_ETH(X) AE_STATS_ARP(X) AE_STATS_IP(X) AE_STATS_ICMP(X) \
	AE_STATS_UDP(X) AE_STATS_TCP(X)

/**
 * struct ae_stats - every counter, one field per name: s->stats.ip_in_csum_errors
 */
struct ae_stats {
#define AE_STAT_FIELD(g, n) uint64_t g##_##n;
	AE_STATS_ALL(AE_STAT_FIELD)
#undef AE_STAT_FIELD
};

#define STAT_INC(s, g, n) ((s)->stats.g##_##n++)
#define STAT_ADD(s, g, n, v) ((s)->stats.g##_##n += (v))

#endif /* AE_STATS_H */
