/* SPDX-License-Identifier: MIT */
/**
 * DOC: loop.h - one epoll loop (aetherd's, and an embedding program's)
 *
 * Every fd the program watches (TAP, the stack's timerfd, signalfd,
 * impairment timers; in aetherd also the control socket and client
 * channels) is registered with a callback. The loop never blocks anywhere
 * but in epoll_wait().
 */
#ifndef AE_LOOP_H
#define AE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct ae_loop;

/** typedef ae_loop_fn - called with the epoll events that fired on the fd */
typedef void (*ae_loop_fn)(void *ctx, uint32_t events);
/** typedef ae_loop_idle_fn - called once after every batch of events */
typedef void (*ae_loop_idle_fn)(void *ctx);

struct ae_loop *ae_loop_new(void);
void ae_loop_free(struct ae_loop *l);
int ae_loop_add(struct ae_loop *l, int fd, uint32_t events, ae_loop_fn fn,
		void *ctx);
int ae_loop_mod(struct ae_loop *l, int fd, uint32_t events);
int ae_loop_del(struct ae_loop *l, int fd);
int ae_loop_forget(struct ae_loop *l, int fd);
int ae_loop_add_idle(struct ae_loop *l, ae_loop_idle_fn fn, void *ctx);
int ae_loop_run_once(struct ae_loop *l, int timeout_ms);
void ae_loop_stop(struct ae_loop *l);
void ae_loop_resume(struct ae_loop *l);
bool ae_loop_stopped(const struct ae_loop *l);
int ae_loop_quiet(struct ae_loop *l, int fd);
void ae_loop_set_busy_poll(struct ae_loop *l, unsigned int usec);

/* a look at shared memory while busy polling (and before the sleep that
 * ends it, @sleeping): true when it found work */
typedef bool (*ae_loop_spin_fn)(void *ctx, bool sleeping);
void ae_loop_set_spin_hook(struct ae_loop *l, ae_loop_spin_fn fn, void *ctx);
uint64_t ae_loop_spins(const struct ae_loop *l);
int ae_loop_signalfd(void);

#endif /* AE_LOOP_H */
