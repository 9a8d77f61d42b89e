/* SPDX-License-Identifier: MIT */
/**
 * DOC: impair.h - a user-space impairment link (netem without the kernel)
 *
 * One &struct impair impairs one direction of a link: the owner hands it
 * Ethernet frames with impair_submit(), asks it for the frames that are due
 * with impair_deliver(), and sleeps in its own event loop until
 * impair_next_deadline(). Time is injected (nanoseconds, any monotonic
 * origin), so tests drive it with a virtual clock; randomness comes from a
 * seeded PRNG, so the same seed and the same input give the same decisions.
 *
 * SPEC syntax (one string, comma-separated KEY=VALUE, no spaces; an empty
 * SPEC is a clean link):
 *
 *   loss=PCT        independent random loss
 *   ge=P/R[/BAD[/GOOD]]  Gilbert-Elliott bursty loss: P = P(good -> bad),
 *                   R = P(bad -> good), BAD = loss probability in the bad
 *                   state (default 100%), GOOD = loss probability in the good
 *                   state (default 0%). Same as keys ge_p, ge_r, ge_bad,
 *                   ge_good. Mean burst length is 1/R when BAD=100%; the
 *                   long-run loss rate is P/(P+R) then. netem's
 *                   "gemodel p r 1-h 1-k" maps to ge=p/r/(1-h)/(1-k).
 *                   A frame is lost if loss= or the GE model drops it.
 *   delay=TIME      constant one-way delay
 *   jitter=TIME     delay varies uniformly in [delay-jitter, delay+jitter]
 *                   (floored at 0): frames may overtake each other
 *   reorder=PCT     with this probability a frame skips delay and jitter and
 *                   is sent at once, ahead of the delayed ones (netem reorder;
 *                   it needs delay or jitter to have any effect)
 *   dup=PCT         a frame is sent twice (the copy is not corrupted)
 *   corrupt=PCT     flip one random bit past the 14-byte Ethernet header
 *   rate=RATE       serialize frames at this rate (bottleneck link): each
 *                   frame takes len*8/rate on the wire, behind the others
 *   limit=N         frames held at once (queued for delay or rate), default
 *                   1000; a full queue tail-drops
 *   maxframe=N      largest frame accepted, bytes (default 2048); longer
 *                   frames are dropped and counted as oversize
 *   seed=N          PRNG seed, default 1
 *   dir=in|out|both which directions the owner impairs (default both); the
 *                   owner defines them: aether-impair calls a->b "out" and
 *                   b->a "in"; aetherd calls TAP->stack "in" and
 *                   stack->TAP "out"
 *
 * PCT is a number in percent, '%' optional (3%, 0.1%, 3). TIME needs a unit:
 * ns, us, ms or s (10ms, 1.5s). RATE needs a unit: bit, kbit, mbit, gbit
 * (bits per second, decimal prefixes) or bps, kbps, mbps, gbps (bytes per
 * second); rate=0 means unlimited.
 *
 * Order of stages for one frame: oversize check, loss (random, then GE),
 * tail drop if the queue is full, corruption, duplication, then its release
 * time: rate serialization (if rate=), plus delay and jitter, unless reorder
 * chose it to go at once.
 */
#ifndef AE_IMPAIR_H
#define AE_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** enum impair_dir - which directions an owner impairs (bit mask) */
enum impair_dir {
	IMPAIR_DIR_IN	= 1,
	IMPAIR_DIR_OUT	= 2,
	IMPAIR_DIR_BOTH	= 3,
};

enum {
	IMPAIR_LIMIT_DEFAULT	= 1000,
	IMPAIR_LIMIT_MAX	= 1000000,
	IMPAIR_FRAME_DEFAULT	= 2048,
	IMPAIR_FRAME_MIN	= 64,
	IMPAIR_FRAME_MAX	= 65550,
	IMPAIR_ETH_HLEN		= 14,
};

/* Probabilities are fixed point: IMPAIR_P_ONE is 100%. */
#define IMPAIR_P_ONE	(1ULL << 32)

/**
 * struct impair_spec - what one impairment link does (parsed SPEC)
 * @loss:	independent loss probability (IMPAIR_P_ONE = 100%)
 * @ge:		Gilbert-Elliott model enabled
 * @ge_p:	P(good -> bad) per frame
 * @ge_r:	P(bad -> good) per frame
 * @ge_bad:	loss probability in the bad state
 * @ge_good:	loss probability in the good state
 * @delay_ns:	constant delay
 * @jitter_ns:	uniform jitter around @delay_ns
 * @reorder:	probability of sending a frame at once, ahead of the queue
 * @dup:	duplication probability
 * @corrupt:	corruption probability
 * @rate_bps:	link rate in bits per second, 0 unlimited
 * @limit:	frames held at once
 * @maxframe:	largest frame accepted, bytes
 * @seed:	PRNG seed
 */
struct impair_spec {
	uint64_t loss;
	bool ge;
	uint64_t ge_p, ge_r, ge_bad, ge_good;
	uint64_t delay_ns, jitter_ns;
	uint64_t reorder, dup, corrupt;
	uint64_t rate_bps;
	uint32_t limit;
	uint32_t maxframe;
	uint64_t seed;
};

/**
 * struct impair_stats - everything one link did
 * @submitted:	frames given to impair_submit()
 * @passed:	frames accepted into the queue (not lost, not tail-dropped)
 * @dropped:	lost by the loss model (loss= or ge=)
 * @tail_dropped: refused because @limit frames were held (originals and
 *		duplicate copies)
 * @oversize:	longer than maxframe, dropped
 * @duplicated:	extra copies queued
 * @corrupted:	frames with one bit flipped
 * @reordered:	frames sent at once, ahead of the delay queue
 * @delivered:	frames handed to the owner's output
 * @queued:	frames held now
 * @queue_max:	most frames held at once
 * @bytes_delivered: bytes handed to the owner's output
 */
struct impair_stats {
	uint64_t submitted;
	uint64_t passed;
	uint64_t dropped;
	uint64_t tail_dropped;
	uint64_t oversize;
	uint64_t duplicated;
	uint64_t corrupted;
	uint64_t reordered;
	uint64_t delivered;
	uint64_t queued;
	uint64_t queue_max;
	uint64_t bytes_delivered;
};

struct impair;

/** typedef impair_out_fn - receives one due frame (valid during the call) */
typedef void (*impair_out_fn)(void *ctx, const void *frame, size_t len);

void impair_spec_init(struct impair_spec *spec);
int impair_spec_parse(const char *spec, struct impair_spec *out, int *dir,
		      char *err, size_t errlen);
bool impair_spec_is_clean(const struct impair_spec *spec);
int impair_spec_format(const struct impair_spec *spec, char *buf, size_t len);

struct impair *impair_new(const struct impair_spec *spec);
void impair_free(struct impair *imp);
int impair_submit(struct impair *imp, const void *frame, size_t len,
		  uint64_t now_ns);
unsigned int impair_deliver(struct impair *imp, uint64_t now_ns,
			    impair_out_fn out, void *ctx);
uint64_t impair_next_deadline(const struct impair *imp);
const struct impair_stats *impair_stats(const struct impair *imp);

/* a live upgrade (aetherd --takeover) hands a link over, frames and all */
#define IMPAIR_SPEC_LEN	256	/* impair_spec_format() of any spec fits */
struct snap_w;
struct snap_r;
void impair_save(const struct impair *imp, struct snap_w *w, uint64_t now);
int impair_load(struct impair *imp, struct snap_r *r, uint64_t now);
size_t impair_footprint(const struct impair *imp);
void impair_print(const struct impair *imp, const char *name, FILE *f);

#endif /* AE_IMPAIR_H */
