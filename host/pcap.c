// SPDX-License-Identifier: MIT
/**
 * DOC: pcap.c - a capture file of every frame in and out
 *
 * Theory of operation: the classic pcap format (a 24-byte file header, then a
 * 16-byte record header before each frame), link type Ethernet, with
 * nanosecond timestamps (magic 0xa1b23c4d) from CLOCK_REALTIME so captures
 * line up with other tools' clocks. Records are gathered in a buffer
 * allocated once and written out when it fills or when the owner calls
 * pcap_flush() (aetherd does after every batch of events), so a busy link
 * costs one write() per batch, and tshark reading the file while the daemon
 * runs sees every frame up to the last batch.
 *
 * A write error (disk full) is remembered: later calls return it at once,
 * so the data path never retries a failing disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcap.h"

#define PCAP_MAGIC_NS	0xa1b23c4dU
#define PCAP_SNAPLEN	262144U
#define PCAP_LINK_ETH	1U
#define PCAP_BUF	(512 * 1024)

/**
 * struct pcap_file_hdr - the file header
 */
struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

/**
 * struct pcap_rec_hdr - the header before each frame
 */
struct pcap_rec_hdr {
	uint32_t sec;
	uint32_t nsec;
	uint32_t caplen;
	uint32_t len;
};

/**
 * struct pcap - an open capture file
 * @fd:		the file
 * @error:	first write error (-errno), 0 if none
 * @frames:	records written (or buffered)
 * @used:	bytes in @buf
 * @buf:	PCAP_BUF bytes of pending records
 */
struct pcap {
	int fd;
	int error;
	uint64_t frames;
	size_t used;
	uint8_t buf[PCAP_BUF];
};

/**
 * pcap_write_all() - write @len bytes to the file, retrying short writes
 * @p:		capture
 * @buf:	bytes
 * @len:	how many
 *
 * Return: 0, or -errno (also remembered in @p->error)
 */
static int pcap_write_all(struct pcap *p, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(p->fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			p->error = n < 0 ? -errno : -EIO;
			return p->error;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * pcap_open_flags() - open @path with @flags, writing the file header if
 * the file is empty
 * @path:	file name
 * @flags:	O_TRUNC (a new capture) or O_APPEND (go on with one)
 * @err:	set to -errno on failure
 *
 * Return: the capture, or NULL
 */
static struct pcap *pcap_open_flags(const char *path, int flags, int *err)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC_NS, .major = 2, .minor = 4,
		.snaplen = PCAP_SNAPLEN, .linktype = PCAP_LINK_ETH,
	};
	struct stat st;
	struct pcap *p;

	p = malloc(sizeof(*p));
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->error = 0;
	p->frames = 0;
	p->used = 0;
	p->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	if (p->fd < 0 || fstat(p->fd, &st)) {
		*err = -errno;
		if (p->fd >= 0)
			close(p->fd);
		free(p);
		return NULL;
	}
	if (st.st_size == 0 &&
	    pcap_write_all(p, (const uint8_t *)&h, sizeof(h))) {
		*err = p->error;
		close(p->fd);
		free(p);
		return NULL;
	}
	return p;
}

/**
 * pcap_open() - create (truncate) @path and write the file header
 * @path:	file name
 * @err:	set to -errno on failure
 *
 * Return: the capture, or NULL
 */
struct pcap *pcap_open(const char *path, int *err)
{
	return pcap_open_flags(path, O_TRUNC, err);
}

/**
 * pcap_append() - go on with the capture in @path (a daemon taking over
 * from the one that wrote it), or start it if it is empty or missing
 * @path:	file name
 * @err:	set to -errno on failure
 *
 * Return: the capture, or NULL
 */
struct pcap *pcap_append(const char *path, int *err)
{
	return pcap_open_flags(path, O_APPEND, err);
}

/**
 * pcap_flush() - write out buffered records
 * @p:		capture, may be NULL
 *
 * Return: 0, or the first write error (-errno)
 */
int pcap_flush(struct pcap *p)
{
	if (!p)
		return 0;
	if (p->error)
		return p->error;
	if (p->used && pcap_write_all(p, p->buf, p->used))
		return p->error;
	p->used = 0;
	return 0;
}

/**
 * pcap_write() - record one frame gathered from @iovcnt parts, time-stamped now
 * @p:		capture, may be NULL (then nothing happens)
 * @iov:	frame parts
 * @iovcnt:	how many
 *
 * Frames longer than the snap length are cut, with their real length kept.
 *
 * Return: 0, or a write error (-errno)
 */
int pcap_write(struct pcap *p, const struct iovec *iov, int iovcnt)
{
	struct pcap_rec_hdr rh;
	struct timespec ts;
	size_t len = 0, cap, n;
	int i;

	if (!p)
		return 0;
	if (p->error)
		return p->error;
	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	cap = len < PCAP_SNAPLEN ? len : PCAP_SNAPLEN;
	if (p->used + sizeof(rh) + cap > sizeof(p->buf) && pcap_flush(p))
		return p->error;
	clock_gettime(CLOCK_REALTIME, &ts);
	rh.sec = (uint32_t)ts.tv_sec;
	rh.nsec = (uint32_t)ts.tv_nsec;
	rh.caplen = (uint32_t)cap;
	rh.len = (uint32_t)len;
	memcpy(p->buf + p->used, &rh, sizeof(rh));
	p->used += sizeof(rh);
	for (i = 0; i < iovcnt && cap; i++) {
		n = iov[i].iov_len < cap ? iov[i].iov_len : cap;
		memcpy(p->buf + p->used, iov[i].iov_base, n);
		p->used += n;
		cap -= n;
	}
	p->frames++;
	return 0;
}

/**
 * pcap_write_frame() - record one contiguous frame
 * @p:		capture, may be NULL
 * @frame:	bytes
 * @len:	length
 *
 * Return: 0, or a write error (-errno)
 */
int pcap_write_frame(struct pcap *p, const void *frame, size_t len)
{
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = len };

	return pcap_write(p, &iov, 1);
}

/**
 * pcap_frames() - how many frames were recorded
 * @p:		capture, may be NULL
 *
 * Return: count
 */
uint64_t pcap_frames(const struct pcap *p)
{
	return p ? p->frames : 0;
}

/**
 * pcap_close() - flush, close and free
 * @p:		capture, may be NULL
 *
 * Return: 0, or the first write error (-errno)
 */
int pcap_close(struct pcap *p)
{
	int rc;

	if (!p)
		return 0;
	rc = pcap_flush(p);
	if (close(p->fd) && !rc)
		rc = -errno;
	free(p);
	return rc;
}
