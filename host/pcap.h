/* SPDX-License-Identifier: MIT */
/**
 * DOC: pcap.h - writing frames to a capture file (tshark, Wireshark)
 *
 * Library code: reports errors, never prints or exits.
 */
#ifndef AE_PCAP_H
#define AE_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct pcap;

struct pcap *pcap_open(const char *path, int *err);
struct pcap *pcap_append(const char *path, int *err);
int pcap_write(struct pcap *p, const struct iovec *iov, int iovcnt);
int pcap_write_frame(struct pcap *p, const void *frame, size_t len);
int pcap_flush(struct pcap *p);
int pcap_close(struct pcap *p);
uint64_t pcap_frames(const struct pcap *p);

#endif /* AE_PCAP_H */
