/* SPDX-License-Identifier: MIT */
/**
 * DOC: takeover.h - live upgrade: one aetherd hands everything to another
 * (takeover.c)
 */
#ifndef AE_TAKEOVER_H
#define AE_TAKEOVER_H

#include <stddef.h>
#include <stdint.h>

#include "aetherd.h"
#include "host.h"
#include "snapshot.h"

/**
 * struct takeover_in - what a new daemon received from the old one
 * @fd:		the takeover connection
 * @old_pid:	the old daemon
 * @blob:	the state string, @len bytes, checked (snap_verify())
 * @len:	see @blob
 * @fds:	the descriptors received, @nfds of them, in the order the
 *		string names them
 * @nfds:	see @fds
 * @r:		reader of @blob, past the host record
 * @tap_fd:	the TAP
 * @tap:	what the old daemon knew of it
 * @st:		the old daemon's device counters
 * @t0:		when the takeover began (ms, CLOCK_MONOTONIC)
 */
struct takeover_in {
	int fd;
	int old_pid;
	uint8_t *blob;
	size_t len;
	int *fds;
	int nfds;
	struct snap_r r;
	int tap_fd;
	struct tap_info tap;
	struct host_stats st;
	uint64_t t0;
};

void takeover_path(const char *socket_path, char *buf, size_t len);
int takeover_listen(struct aetherd *d, struct ae_host *h);
void takeover_close(struct aetherd *d);
int takeover_connect(const char *socket_path, struct takeover_in *in,
		     char *err, size_t errlen);
int takeover_restore(struct aetherd *d, struct ae_host *h,
		     struct takeover_in *in, char *err, size_t errlen);
int takeover_commit(struct aetherd *d, struct takeover_in *in, char *err,
		    size_t errlen);
void takeover_refuse(struct takeover_in *in, const char *why);

#endif /* AE_TAKEOVER_H */
