/* SPDX-License-Identifier: MIT */
/**
 * DOC: tapctl.h - the host's end of a TAP: address, link up, removal
 *
 * What `ip addr add A/N dev TAP; ip link set TAP up` and `ip tuntap del`
 * do, for `aether up`/`aether down` and `aetherd --host-addr`; the TAP's
 * transmit queue length (`ip link set TAP txqueuelen N`) and the host
 * side's drop counter. Changes need CAP_NET_ADMIN in the TAP's network
 * namespace. Library code: reports errors in @err, never prints or exits.
 */
#ifndef AE_TAPCTL_H
#define AE_TAPCTL_H

#include <stddef.h>
#include <stdint.h>

int tapctl_host_addr(const char *name, uint32_t addr, uint8_t prefix_len,
		     char *err, size_t errlen);
int tapctl_remove(const char *name, char *err, size_t errlen);
int tapctl_enter_netns(const char *netns, char *err, size_t errlen);
int tapctl_txqueuelen(const char *name, int want, int *old, char *err,
		      size_t errlen);
int tapctl_stats_open(void);
int tapctl_tx_dropped(int fd, const char *name, uint64_t *dropped);

#endif /* AE_TAPCTL_H */
