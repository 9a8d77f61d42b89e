// SPDX-License-Identifier: MIT
/**
 * DOC: Theory of Operation
 *
 * impair.c turns a stream of frames into the stream a bad link would
 * deliver. It knows nothing of the stack, of file descriptors or of the
 * clock: frames come in through impair_submit() with the time, and go out
 * through the owner's callback in impair_deliver().
 *
 * Every accepted frame is copied into a slot of a pool allocated once by
 * impair_new() (@limit slots of @maxframe bytes), and its slot index goes
 * into a binary min-heap ordered by release time, ties broken by a sequence
 * number so frames released at the same instant leave in arrival order.
 * Nothing is allocated per frame; when every slot is taken the frame is
 * tail-dropped, which is also what a full bottleneck queue does.
 *
 * A frame's release time is computed once, when it arrives:
 *
 *   - rate: the link is busy until @link_free; the frame starts serializing
 *     at max(now, link_free) and is on the far side len*8/rate later;
 *   - delay and jitter are then added (propagation), unless reorder picked
 *     the frame to go at once, in which case it leaves as soon as it is
 *     serialized, ahead of the delayed frames.
 *
 * Randomness is xoshiro256** seeded through splitmix64 from the spec's seed,
 * drawn in a fixed order for each frame, so one seed and one input sequence
 * give one output sequence: a failing run replays exactly.
 *
 * Probabilities are 32.32 fixed point: a draw is the top 32 bits of the PRNG
 * output, compared with p * 2^32, so 100% is always true and 0% never.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "impair.h"
#include "snapshot.h"

/**
 * struct impair_ent - one held frame in the release heap
 * @t:		release time, ns
 * @seq:	arrival order, breaks ties in @t
 * @slot:	pool slot holding the bytes
 * @len:	frame length
 */
struct impair_ent {
	uint64_t t;
	uint64_t seq;
	uint32_t slot;
	uint32_t len;
};

/**
 * struct impair - one impaired direction
 * @spec:	what it does
 * @rng:	xoshiro256** state
 * @ge_bad:	Gilbert-Elliott model is in the bad state
 * @link_free:	time the rate-limited link finishes its current backlog
 * @seq:	next arrival sequence number
 * @heap:	release heap, @n entries
 * @n:		frames held
 * @free_slots:	stack of free slot indices, @nfree of them
 * @nfree:	free slots
 * @pool:	@spec.limit slots of @spec.maxframe bytes
 * @st:		counters
 */
struct impair {
	struct impair_spec spec;
	uint64_t rng[4];
	bool ge_bad;
	uint64_t link_free;
	uint64_t seq;
	struct impair_ent *heap;
	uint32_t n;
	uint32_t *free_slots;
	uint32_t nfree;
	uint8_t *pool;
	struct impair_stats st;
};

/* ---- PRNG ------------------------------------------------------------ */

/**
 * splitmix64() - next value of a splitmix64 sequence, used to seed
 * @x:		state, advanced
 *
 * Return: 64 random bits
 */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/**
 * rotl() - rotate left
 * @x:		value
 * @k:		bits, 1..63
 *
 * Return: @x rotated
 */
static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/**
 * rng_next() - next xoshiro256** output
 * @imp:	link whose PRNG advances
 *
 * Return: 64 random bits
 */
static uint64_t rng_next(struct impair *imp)
{
	uint64_t *s = imp->rng;
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/**
 * chance() - a Bernoulli draw
 * @imp:	link whose PRNG advances
 * @p:		probability, IMPAIR_P_ONE = 1
 *
 * A zero probability draws nothing, so enabling one impairment does not
 * shift the random sequence of a spec that leaves it off.
 *
 * Return: true with probability @p
 */
static bool chance(struct impair *imp, uint64_t p)
{
	if (!p)
		return false;
	return (rng_next(imp) >> 32) < p;
}

/**
 * rng_below() - uniform integer below @n
 * @imp:	link whose PRNG advances
 * @n:		bound, > 0
 *
 * Return: a value in [0, @n) (modulo bias is below 2^-32 for our bounds)
 */
static uint64_t rng_below(struct impair *imp, uint64_t n)
{
	return rng_next(imp) % n;
}

/* ---- release heap ---------------------------------------------------- */

/**
 * ent_before() - heap order: earlier release, then earlier arrival
 * @a:		entry
 * @b:		entry
 *
 * Return: true if @a leaves before @b
 */
static inline bool ent_before(const struct impair_ent *a,
			      const struct impair_ent *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/**
 * heap_push() - insert an entry (the caller checked there is room)
 * @imp:	link
 * @e:		entry to insert
 */
static void heap_push(struct impair *imp, const struct impair_ent *e)
{
	struct impair_ent *h = imp->heap;
	uint32_t i = imp->n++;

	while (i) {
		uint32_t parent = (i - 1) / 2;

		if (!ent_before(e, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = *e;
}

/**
 * heap_pop() - remove the first entry (the heap is not empty)
 * @imp:	link
 * @out:	the removed entry
 */
static void heap_pop(struct impair *imp, struct impair_ent *out)
{
	struct impair_ent *h = imp->heap;
	struct impair_ent last;
	uint32_t i = 0, n;

	*out = h[0];
	n = --imp->n;
	if (!n)
		return;
	last = h[n];
	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && ent_before(&h[c + 1], &h[c]))
			c++;
		if (!ent_before(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = last;
}

/* ---- the link -------------------------------------------------------- */

/**
 * impair_new() - create one impaired direction
 * @spec:	what it does (copied)
 *
 * Allocates the whole frame pool now: limit * maxframe bytes.
 *
 * Return: the link, or NULL (errno EINVAL for a bad spec, ENOMEM)
 */
struct impair *impair_new(const struct impair_spec *spec)
{
	struct impair *imp;
	uint64_t x;
	uint32_t i;

	if (!spec->limit || spec->limit > IMPAIR_LIMIT_MAX ||
	    spec->maxframe < IMPAIR_FRAME_MIN ||
	    spec->maxframe > IMPAIR_FRAME_MAX) {
		errno = EINVAL;
		return NULL;
	}
	imp = calloc(1, sizeof(*imp));
	if (!imp)
		return NULL;
	imp->spec = *spec;
	imp->heap = calloc(spec->limit, sizeof(*imp->heap));
	imp->free_slots = calloc(spec->limit, sizeof(*imp->free_slots));
	imp->pool = malloc((size_t)spec->limit * spec->maxframe);
	if (!imp->heap || !imp->free_slots || !imp->pool) {
		impair_free(imp);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < spec->limit; i++)
		imp->free_slots[i] = spec->limit - 1 - i;
	imp->nfree = spec->limit;
	x = spec->seed;
	for (i = 0; i < 4; i++)
		imp->rng[i] = splitmix64(&x);
	return imp;
}

/**
 * impair_free() - release a link and every frame it still holds
 * @imp:	link, or NULL
 */
void impair_free(struct impair *imp)
{
	if (!imp)
		return;
	free(imp->pool);
	free(imp->free_slots);
	free(imp->heap);
	free(imp);
}

/**
 * lost() - run the loss models for one frame
 * @imp:	link
 *
 * The Gilbert-Elliott state moves first, then the frame meets the loss
 * probability of the state it is in: with BAD=100% a burst lasts 1/R frames
 * on average.
 *
 * Return: true if the frame is lost
 */
static bool lost(struct impair *imp)
{
	const struct impair_spec *s = &imp->spec;
	bool drop = chance(imp, s->loss);

	if (s->ge) {
		if (imp->ge_bad) {
			if (chance(imp, s->ge_r))
				imp->ge_bad = false;
		} else if (chance(imp, s->ge_p)) {
			imp->ge_bad = true;
		}
		if (chance(imp, imp->ge_bad ? s->ge_bad : s->ge_good))
			drop = true;
	}
	return drop;
}

/**
 * slot_data() - bytes of a pool slot
 * @imp:	link
 * @slot:	slot index
 *
 * Return: the slot's first byte
 */
static uint8_t *slot_data(struct impair *imp, uint32_t slot)
{
	return imp->pool + (size_t)slot * imp->spec.maxframe;
}

/**
 * corrupt() - flip one random bit past the Ethernet header
 * @imp:	link
 * @b:		frame bytes
 * @len:	frame length, > IMPAIR_ETH_HLEN
 */
static void corrupt(struct impair *imp, uint8_t *b, size_t len)
{
	uint64_t bit = rng_below(imp, (uint64_t)(len - IMPAIR_ETH_HLEN) * 8);

	b[IMPAIR_ETH_HLEN + bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/**
 * release_time() - when a frame arriving at @now leaves the link
 * @imp:	link (its rate backlog and PRNG advance)
 * @len:	frame length
 * @now:	arrival time, ns
 *
 * Return: release time, ns
 */
static uint64_t release_time(struct impair *imp, size_t len, uint64_t now)
{
	const struct impair_spec *s = &imp->spec;
	uint64_t t = now;
	int64_t d;

	if (s->rate_bps) {
		if (imp->link_free > t)
			t = imp->link_free;
		t += ((uint64_t)len * 8 * 1000000000ULL + s->rate_bps - 1) /
		     s->rate_bps;
		imp->link_free = t;
	}
	if (!s->delay_ns && !s->jitter_ns)
		return t;
	if (chance(imp, s->reorder)) {
		imp->st.reordered++;
		return t;
	}
	d = (int64_t)s->delay_ns;
	if (s->jitter_ns)
		d += (int64_t)rng_below(imp, 2 * s->jitter_ns + 1) -
		     (int64_t)s->jitter_ns;
	return d > 0 ? t + (uint64_t)d : t;
}

/**
 * enqueue() - copy a frame into a free slot and schedule it
 * @imp:	link
 * @frame:	bytes
 * @len:	length, <= maxframe
 * @now:	arrival time
 * @flip:	corrupt this copy
 *
 * Return: 0, or -1 if no slot is free (counted as a tail drop)
 */
static int enqueue(struct impair *imp, const void *frame, size_t len,
		   uint64_t now, bool flip)
{
	struct impair_ent e;
	uint8_t *b;

	if (!imp->nfree) {
		imp->st.tail_dropped++;
		return -1;
	}
	e.slot = imp->free_slots[--imp->nfree];
	e.len = (uint32_t)len;
	b = slot_data(imp, e.slot);
	memcpy(b, frame, len);
	if (flip) {
		corrupt(imp, b, len);
		imp->st.corrupted++;
	}
	e.t = release_time(imp, len, now);
	e.seq = imp->seq++;
	heap_push(imp, &e);
	imp->st.queued = imp->n;
	if (imp->n > imp->st.queue_max)
		imp->st.queue_max = imp->n;
	return 0;
}

/**
 * impair_submit() - a frame enters the link
 * @imp:	link
 * @frame:	Ethernet frame (copied; the caller keeps its buffer)
 * @len:	its length
 * @now_ns:	current time; calls must not go back in time
 *
 * Return: frames queued for this input (0 lost or dropped, 1, or 2 when
 * duplicated)
 */
int impair_submit(struct impair *imp, const void *frame, size_t len,
		  uint64_t now_ns)
{
	const struct impair_spec *s = &imp->spec;
	bool flip;
	int n;

	imp->st.submitted++;
	if (len > s->maxframe) {
		imp->st.oversize++;
		return 0;
	}
	if (lost(imp)) {
		imp->st.dropped++;
		return 0;
	}
	flip = chance(imp, s->corrupt) && len > IMPAIR_ETH_HLEN;
	if (enqueue(imp, frame, len, now_ns, flip))
		return 0;
	imp->st.passed++;
	n = 1;
	if (chance(imp, s->dup) && !enqueue(imp, frame, len, now_ns, false)) {
		imp->st.duplicated++;
		n++;
	}
	return n;
}

/**
 * impair_deliver() - hand every frame due by @now_ns to @out, in order
 * @imp:	link
 * @now_ns:	current time
 * @out:	receives each frame; it may call impair_submit() on this link
 * @ctx:	@out's argument
 *
 * Return: frames delivered
 */
unsigned int impair_deliver(struct impair *imp, uint64_t now_ns,
			    impair_out_fn out, void *ctx)
{
	unsigned int count = 0;
	struct impair_ent e;

	while (imp->n && imp->heap[0].t <= now_ns) {
		heap_pop(imp, &e);
		imp->st.queued = imp->n;
		imp->st.delivered++;
		imp->st.bytes_delivered += e.len;
		out(ctx, slot_data(imp, e.slot), e.len);
		imp->free_slots[imp->nfree++] = e.slot;
		count++;
	}
	return count;
}

/**
 * impair_next_deadline() - when impair_deliver() next has work
 * @imp:	link
 *
 * Return: release time of the first held frame, UINT64_MAX if none
 */
uint64_t impair_next_deadline(const struct impair *imp)
{
	return imp->n ? imp->heap[0].t : UINT64_MAX;
}

/**
 * impair_stats() - the link's counters
 * @imp:	link
 *
 * Return: counters, valid while @imp lives
 */
const struct impair_stats *impair_stats(const struct impair *imp)
{
	return &imp->st;
}

/**
 * impair_footprint() - bytes the link holds, fixed at impair_new()
 * @imp:	link
 *
 * Return: size of the pool, heap, free list and the object itself
 */
size_t impair_footprint(const struct impair *imp)
{
	size_t n = imp->spec.limit;

	return sizeof(*imp) + n * imp->spec.maxframe +
	       n * sizeof(*imp->heap) + n * sizeof(*imp->free_slots);
}

/**
 * impair_print() - one line of counters
 * @imp:	link
 * @name:	label printed first (e.g. "a->b")
 * @f:		stream
 */
void impair_print(const struct impair *imp, const char *name, FILE *f)
{
	const struct impair_stats *s = &imp->st;

	fprintf(f, "%s: submitted %" PRIu64 " passed %" PRIu64
		" dropped %" PRIu64 " duplicated %" PRIu64
		" corrupted %" PRIu64 " reordered %" PRIu64
		" tail_dropped %" PRIu64 " oversize %" PRIu64
		" delivered %" PRIu64 " queued %" PRIu64
		" queue_max %" PRIu64 "\n", name, s->submitted, s->passed,
		s->dropped, s->duplicated, s->corrupted, s->reordered,
		s->tail_dropped, s->oversize, s->delivered, s->queued,
		s->queue_max);
}

/* ---- handing a link over (live upgrade) ------------------------------ */

/**
 * impair_save() - the link's state for a successor (aetherd --takeover):
 * its spec, PRNG, loss-model state, the rate-limited link's backlog, its
 * counters and every frame it holds, each with its release time
 * @imp:	link
 * @w:		writer, inside the owner's record
 * @now:	the clock the release times are relative to
 */
void impair_save(const struct impair *imp, struct snap_w *w, uint64_t now)
{
	char spec[IMPAIR_SPEC_LEN];
	const struct impair_ent *e;
	uint32_t i;

	memset(spec, 0, sizeof(spec));
	impair_spec_format(&imp->spec, spec, sizeof(spec));
	snap_put(w, spec, sizeof(spec));
	snap_put_u32(w, imp->spec.maxframe);
	snap_put(w, imp->rng, sizeof(imp->rng));
	snap_put_u32(w, imp->ge_bad);
	snap_put_time(w, imp->link_free, now);
	snap_put_u64(w, imp->seq);
	snap_put(w, &imp->st, sizeof(imp->st));
	snap_put_u32(w, imp->n);
	for (i = 0; i < imp->n; i++) {
		e = &imp->heap[i];
		snap_put_time(w, e->t, now);
		snap_put_u64(w, e->seq);
		snap_put_u32(w, e->len);
		snap_put(w, imp->pool + (size_t)e->slot * imp->spec.maxframe,
			 e->len);
	}
}

/**
 * impair_load() - take over what impair_save() wrote, into a fresh link
 * made from the same spec
 * @imp:	link, holding nothing yet
 * @r:		reader
 * @now:	the clock
 *
 * Return: 0, -EINVAL when the writer's spec is not this link's (the
 * successor was started with another --impair), -EBADMSG
 */
int impair_load(struct impair *imp, struct snap_r *r, uint64_t now)
{
	char spec[IMPAIR_SPEC_LEN], mine[IMPAIR_SPEC_LEN];
	struct impair_ent e;
	uint32_t n, i;

	memset(mine, 0, sizeof(mine));
	impair_spec_format(&imp->spec, mine, sizeof(mine));
	snap_get(r, spec, sizeof(spec));
	if (r->err || imp->n || memcmp(spec, mine, sizeof(spec)) ||
	    snap_get_u32(r) != imp->spec.maxframe)
		return r->err ? r->err : -EINVAL;
	snap_get(r, imp->rng, sizeof(imp->rng));
	imp->ge_bad = snap_get_u32(r) != 0;
	imp->link_free = snap_get_time(r, now);
	imp->seq = snap_get_u64(r);
	snap_get(r, &imp->st, sizeof(imp->st));
	n = snap_get_u32(r);
	if (n > imp->spec.limit)
		snap_fail(r);
	for (i = 0; i < n && !r->err; i++) {
		e.t = snap_get_time(r, now);
		e.seq = snap_get_u64(r);
		e.len = snap_get_u32(r);
		if (e.len > imp->spec.maxframe) {
			snap_fail(r);
			break;
		}
		e.slot = imp->free_slots[--imp->nfree];
		snap_get(r, slot_data(imp, e.slot), e.len);
		heap_push(imp, &e);
	}
	imp->st.queued = imp->n;
	return r->err;
}

/* ---- SPEC parsing ---------------------------------------------------- */

/**
 * impair_spec_init() - a clean link: nothing impaired, default limits
 * @spec:	filled
 */
void impair_spec_init(struct impair_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->ge_bad = IMPAIR_P_ONE;
	spec->limit = IMPAIR_LIMIT_DEFAULT;
	spec->maxframe = IMPAIR_FRAME_DEFAULT;
	spec->seed = 1;
}

/**
 * impair_spec_is_clean() - does the spec leave frames untouched?
 * @spec:	spec
 *
 * Return: true if no loss, delay, duplication, corruption or rate limit
 */
bool impair_spec_is_clean(const struct impair_spec *spec)
{
	return !spec->loss && !spec->ge && !spec->delay_ns &&
	       !spec->jitter_ns && !spec->dup && !spec->corrupt &&
	       !spec->rate_bps;
}

/**
 * parse_num() - a non-negative decimal number followed by a suffix
 * @s:		text
 * @v:		the number
 * @suffix:	set to the first character after it
 *
 * Return: 0, or -1 if @s does not start with a finite number >= 0
 */
static int parse_num(const char *s, double *v, const char **suffix)
{
	char *end;

	if (!(*s >= '0' && *s <= '9') && *s != '.')
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || errno || !(*v >= 0 && *v <= 1e300))
		return -1;
	*suffix = end;
	return 0;
}

/**
 * parse_pct() - a percentage ("3%", "0.1%", "3") to fixed point
 * @s:		text
 * @p:		probability, IMPAIR_P_ONE = 100%
 *
 * Return: 0, or -1 if not a percentage in [0, 100]
 */
static int parse_pct(const char *s, uint64_t *p)
{
	const char *rest;
	double v;

	if (parse_num(s, &v, &rest) || v > 100)
		return -1;
	if (*rest == '%')
		rest++;
	if (*rest)
		return -1;
	*p = (uint64_t)(v / 100.0 * (double)IMPAIR_P_ONE + 0.5);
	return 0;
}

/**
 * struct unit - a suffix and its multiplier
 * @name:	suffix, compared case-insensitively
 * @mul:	value of one unit
 */
struct unit {
	const char *name;
	double mul;
};

static const struct unit time_units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { NULL, 0 },
};

static const struct unit rate_units[] = {
	{ "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 },
	{ "bps", 8 }, { "kbps", 8e3 }, { "mbps", 8e6 }, { "gbps", 8e9 },
	{ NULL, 0 },
};

/**
 * parse_unit() - a number with a mandatory unit, scaled to an integer
 * @s:		text
 * @units:	accepted units, NULL-terminated
 * @zero_ok:	a bare "0" is accepted without a unit
 * @max:	largest scaled value accepted
 * @out:	scaled value
 *
 * Return: 0, or -1 if malformed, without a known unit or too large
 */
static int parse_unit(const char *s, const struct unit *units, bool zero_ok,
		      double max, uint64_t *out)
{
	const char *rest;
	double v;

	if (parse_num(s, &v, &rest))
		return -1;
	if (!*rest && zero_ok && v == 0) {
		*out = 0;
		return 0;
	}
	for (; units->name; units++) {
		if (strcasecmp(rest, units->name) != 0)
			continue;
		v *= units->mul;
		if (v > max)
			return -1;
		*out = (uint64_t)(v + 0.5);
		return 0;
	}
	return -1;
}

/**
 * parse_uint() - a decimal integer in [@min, @max]
 * @s:		text
 * @min:	smallest accepted
 * @max:	largest accepted
 * @out:	value
 *
 * Return: 0, or -1
 */
static int parse_uint(const char *s, uint64_t min, uint64_t max,
		      uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!(*s >= '0' && *s <= '9'))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/**
 * parse_ge() - "P/R[/BAD[/GOOD]]"
 * @s:		text
 * @spec:	ge fields set
 *
 * Return: 0, or -1
 */
static int parse_ge(const char *s, struct impair_spec *spec)
{
	uint64_t *field[] = { &spec->ge_p, &spec->ge_r, &spec->ge_bad,
			      &spec->ge_good };
	char buf[128], *tok, *save = NULL;
	unsigned int i = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (i >= 4 || parse_pct(tok, field[i]))
			return -1;
		i++;
	}
	if (i < 2)
		return -1;
	spec->ge = true;
	return 0;
}

/**
 * parse_dir() - "in", "out" or "both"
 * @s:		text
 * @dir:	enum impair_dir value
 *
 * Return: 0, or -1
 */
static int parse_dir(const char *s, int *dir)
{
	if (!strcmp(s, "in"))
		*dir = IMPAIR_DIR_IN;
	else if (!strcmp(s, "out"))
		*dir = IMPAIR_DIR_OUT;
	else if (!strcmp(s, "both"))
		*dir = IMPAIR_DIR_BOTH;
	else
		return -1;
	return 0;
}

/**
 * parse_kv() - apply one KEY=VALUE
 * @key:	key
 * @val:	value
 * @spec:	updated
 * @dir:	updated by dir=
 *
 * Return: 0, -1 for a bad value, -2 for an unknown key
 */
static int parse_kv(const char *key, const char *val, struct impair_spec *spec,
		    int *dir)
{
	uint64_t v;
	int ret;

	if (!strcmp(key, "loss"))
		return parse_pct(val, &spec->loss);
	if (!strcmp(key, "ge"))
		return parse_ge(val, spec);
	if (!strcmp(key, "ge_p") || !strcmp(key, "ge_r") ||
	    !strcmp(key, "ge_bad") || !strcmp(key, "ge_good")) {
		uint64_t *f = key[3] == 'p' ? &spec->ge_p :
			      key[3] == 'r' ? &spec->ge_r :
			      key[3] == 'b' ? &spec->ge_bad : &spec->ge_good;

		ret = parse_pct(val, f);
		if (!ret)
			spec->ge = true;
		return ret;
	}
	if (!strcmp(key, "delay"))
		return parse_unit(val, time_units, true, 3600e9,
				  &spec->delay_ns);
	if (!strcmp(key, "jitter"))
		return parse_unit(val, time_units, true, 3600e9,
				  &spec->jitter_ns);
	if (!strcmp(key, "reorder"))
		return parse_pct(val, &spec->reorder);
	if (!strcmp(key, "dup") || !strcmp(key, "duplicate"))
		return parse_pct(val, &spec->dup);
	if (!strcmp(key, "corrupt"))
		return parse_pct(val, &spec->corrupt);
	if (!strcmp(key, "rate"))
		return parse_unit(val, rate_units, true, 1e12,
				  &spec->rate_bps);
	if (!strcmp(key, "limit")) {
		ret = parse_uint(val, 1, IMPAIR_LIMIT_MAX, &v);
		if (!ret)
			spec->limit = (uint32_t)v;
		return ret;
	}
	if (!strcmp(key, "maxframe")) {
		ret = parse_uint(val, IMPAIR_FRAME_MIN, IMPAIR_FRAME_MAX, &v);
		if (!ret)
			spec->maxframe = (uint32_t)v;
		return ret;
	}
	if (!strcmp(key, "seed"))
		return parse_uint(val, 0, UINT64_MAX, &spec->seed);
	if (!strcmp(key, "dir"))
		return parse_dir(val, dir);
	return -2;
}

static const char *const value_help[][2] = {
	{ "loss", "a percentage 0-100, e.g. 3%" },
	{ "ge", "P/R[/BAD[/GOOD]] percentages, e.g. 1%/30%" },
	{ "ge_", "a percentage 0-100" },
	{ "delay", "a time with a unit, e.g. 10ms" },
	{ "jitter", "a time with a unit, e.g. 5ms" },
	{ "reorder", "a percentage 0-100" },
	{ "dup", "a percentage 0-100" },
	{ "corrupt", "a percentage 0-100" },
	{ "rate", "a rate with a unit, e.g. 100mbit, 10kbps" },
	{ "limit", "a frame count 1-1000000" },
	{ "maxframe", "a byte count 64-65550" },
	{ "seed", "an unsigned integer" },
	{ "dir", "in, out or both" },
};

/**
 * value_hint() - what a key's value should look like
 * @key:	known key
 *
 * Return: a short description
 */
static const char *value_hint(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(value_help) / sizeof(value_help[0]); i++)
		if (!strncmp(key, value_help[i][0], strlen(value_help[i][0])))
			return value_help[i][1];
	return "a valid value";
}

/**
 * impair_spec_parse() - parse a SPEC string (syntax in impair.h)
 * @spec:	"loss=3%,delay=10ms,..."; NULL or "" is a clean link
 * @out:	the parsed spec (defaults for keys not given)
 * @dir:	enum impair_dir from dir=, IMPAIR_DIR_BOTH if absent; may be NULL
 * @err:	one-line message naming the bad key on failure; may be NULL
 * @errlen:	size of @err
 *
 * Return: 0, or -1 with @err filled
 */
int impair_spec_parse(const char *spec, struct impair_spec *out, int *dir,
		      char *err, size_t errlen)
{
	char buf[1024], *tok, *save = NULL;
	int d = IMPAIR_DIR_BOTH, ret;

	impair_spec_init(out);
	if (!spec)
		spec = "";
	if (strlen(spec) >= sizeof(buf)) {
		if (err)
			snprintf(err, errlen, "bad SPEC: longer than %zu bytes",
				 sizeof(buf) - 1);
		return -1;
	}
	strcpy(buf, spec);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *val = strchr(tok, '=');

		if (!val) {
			if (err)
				snprintf(err, errlen,
					 "bad SPEC: '%s' is not KEY=VALUE", tok);
			return -1;
		}
		*val++ = '\0';
		ret = parse_kv(tok, val, out, &d);
		if (ret == -2) {
			if (err)
				snprintf(err, errlen,
					 "bad SPEC: unknown key '%s'", tok);
			return -1;
		}
		if (ret) {
			if (err)
				snprintf(err, errlen,
					 "bad SPEC: %s='%s': expected %s", tok,
					 val, value_hint(tok));
			return -1;
		}
	}
	if (dir)
		*dir = d;
	return 0;
}

/**
 * fmt_pct() - append ",key=PCT%" if @p is not zero
 * @buf:	output
 * @len:	its size
 * @pos:	bytes used so far, advanced
 * @key:	key
 * @p:		probability
 */
static void fmt_pct(char *buf, size_t len, size_t *pos, const char *key,
		    uint64_t p)
{
	int n;

	if (!p || *pos >= len)
		return;
	n = snprintf(buf + *pos, len - *pos, "%s%s=%g%%", *pos ? "," : "", key,
		     (double)p * 100.0 / (double)IMPAIR_P_ONE);
	if (n > 0)
		*pos += (size_t)n;
}

/**
 * fmt_ns() - append ",key=Nms" if @ns is not zero
 * @buf:	output
 * @len:	its size
 * @pos:	bytes used so far, advanced
 * @key:	key
 * @ns:		time in ns
 */
static void fmt_ns(char *buf, size_t len, size_t *pos, const char *key,
		   uint64_t ns)
{
	int n;

	if (!ns || *pos >= len)
		return;
	n = snprintf(buf + *pos, len - *pos, "%s%s=%gms", *pos ? "," : "", key,
		     (double)ns / 1e6);
	if (n > 0)
		*pos += (size_t)n;
}

/**
 * impair_spec_format() - the spec as a SPEC string (for logs)
 * @spec:	spec
 * @buf:	output, always terminated when @len > 0
 * @len:	its size
 *
 * Return: 0, or -1 if truncated
 */
int impair_spec_format(const struct impair_spec *spec, char *buf, size_t len)
{
	size_t pos = 0;
	int n;

	if (!len)
		return -1;
	buf[0] = '\0';
	fmt_pct(buf, len, &pos, "loss", spec->loss);
	if (spec->ge && pos < len) {
		n = snprintf(buf + pos, len - pos, "%sge=%g%%/%g%%/%g%%/%g%%",
			     pos ? "," : "",
			     (double)spec->ge_p * 100 / (double)IMPAIR_P_ONE,
			     (double)spec->ge_r * 100 / (double)IMPAIR_P_ONE,
			     (double)spec->ge_bad * 100 / (double)IMPAIR_P_ONE,
			     (double)spec->ge_good * 100 / (double)IMPAIR_P_ONE);
		if (n > 0)
			pos += (size_t)n;
	}
	fmt_ns(buf, len, &pos, "delay", spec->delay_ns);
	fmt_ns(buf, len, &pos, "jitter", spec->jitter_ns);
	fmt_pct(buf, len, &pos, "reorder", spec->reorder);
	fmt_pct(buf, len, &pos, "dup", spec->dup);
	fmt_pct(buf, len, &pos, "corrupt", spec->corrupt);
	if (pos < len) {
		n = snprintf(buf + pos, len - pos, "%slimit=%u,seed=%" PRIu64,
			     pos ? "," : "", spec->limit, spec->seed);
		if (n > 0)
			pos += (size_t)n;
	}
	if (spec->rate_bps && pos < len) {
		n = snprintf(buf + pos, len - pos, ",rate=%" PRIu64 "bit",
			     spec->rate_bps);
		if (n > 0)
			pos += (size_t)n;
	}
	return pos < len ? 0 : -1;
}
