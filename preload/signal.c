// SPDX-License-Identifier: MIT
/**
 * DOC: signal.c - the program's signal handlers, seen by blocked calls
 *
 * A blocked Aether call sleeps on a futex in the socket's header page. On
 * Linux a handler without SA_RESTART ends a blocked socket call with EINTR
 * however close to the sleep the signal comes, since the kernel looks for
 * pending signals before it sleeps. In user space a signal handled between
 * the shim's last look and its FUTEX_WAIT would go unnoticed until the
 * next wake-up. So every handler the program installs with sigaction(),
 * signal() or sysv_signal() runs through ps_sig_tramp(), which tells the
 * client and then calls it (aec_sig_note(): the thread's blocked call, if
 * any, does not sleep and ends with EINTR, or goes on under SA_RESTART,
 * judged from
 * the flags the kernel holds for the signal at that moment, so that
 * siginterrupt() is followed too). sigaction() reports the program's own
 * handler back, never the wrapper. SIG_DFL and SIG_IGN are not wrapped.
 * Every call on an Aether fd starts with aec_sig_clear() (fdtable.c
 * ps_hold()): handlers that ran before it do not concern it (one that itself
 * calls into an Aether socket thus makes the interrupted call go on).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "client.h"
#include "shim.h"

/* the program's actions, by signal number; @ps_sig_wrapped[sig] says the
 * kernel holds ps_sig_tramp() for it */
static struct sigaction ps_sig_user[_NSIG];
static volatile sig_atomic_t ps_sig_wrapped[_NSIG];

/**
 * ps_sig_tramp() - every wrapped handler: the program's, then the note
 * @sig:	signal
 * @si:		its information
 * @uc:		context
 */
static void ps_sig_tramp(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *a = &ps_sig_user[sig];
	struct sigaction now = { 0 };
	bool restart;
	int e = errno;

	/* the flags the kernel holds now (before SA_RESETHAND's reset is
	 * seen here, the program's own) */
	restart = (a->sa_flags & SA_RESTART) != 0;
	if (!REAL(sigaction)(sig, NULL, &now) &&
	    now.sa_sigaction == ps_sig_tramp)
		restart = (now.sa_flags & SA_RESTART) != 0;
	/* noted first: the handler may leave by siglongjmp() */
	aec_sig_note(restart);
	errno = e;
	if (a->sa_flags & SA_SIGINFO)
		a->sa_sigaction(sig, si, uc);
	else if (a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN)
		a->sa_handler(sig);
}

/**
 * ps_sig_wrappable() - may @sig's handler be wrapped
 * @sig:	signal
 *
 * Return: true for a catchable signal number
 */
static bool ps_sig_wrappable(int sig)
{
	return sig > 0 && sig < _NSIG && sig != SIGKILL && sig != SIGSTOP;
}

/**
 * sigaction() - interposed sigaction(2): handlers run through ps_sig_tramp()
 * @sig:	signal
 * @act:	new action, or NULL
 * @old:	previous action out, or NULL
 *
 * Return: as sigaction(2)
 */
int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction k, prev = { 0 };
	bool was, wrap;
	int r;

	if (!ps_sig_wrappable(sig))
		return REAL(sigaction)(sig, act, old);
	was = ps_sig_wrapped[sig];
	if (was)
		prev = ps_sig_user[sig];
	wrap = act && !(act->sa_flags & SA_SIGINFO ?
			act->sa_sigaction == NULL :
			act->sa_handler == SIG_DFL || act->sa_handler == SIG_IGN);
	if (wrap) {
		k = *act;
		k.sa_flags |= SA_SIGINFO;
		k.sa_sigaction = ps_sig_tramp;
		ps_sig_user[sig] = *act;	/* before the kernel can call */
		r = REAL(sigaction)(sig, &k, old);
	} else {
		r = REAL(sigaction)(sig, act, old);
	}
	if (r < 0) {
		if (wrap && was)
			ps_sig_user[sig] = prev;
		return r;
	}
	if (old && old->sa_sigaction == ps_sig_tramp) {
		/* the program's own action, with the kernel's mask */
		sigset_t mask = old->sa_mask;

		*old = was ? prev : ps_sig_user[sig];
		old->sa_mask = mask;
	}
	if (act)
		ps_sig_wrapped[sig] = wrap;
	return 0;
}

/**
 * ps_sig_set() - signal()/sysv_signal() through sigaction()
 * @sig:	signal
 * @fn:		handler
 * @flags:	SA_* for it
 *
 * Return: the previous handler, SIG_ERR on failure
 */
static sighandler_t ps_sig_set(int sig, sighandler_t fn, int flags)
{
	struct sigaction act, old;

	memset(&act, 0, sizeof(act));
	act.sa_handler = fn;
	act.sa_flags = flags;
	sigemptyset(&act.sa_mask);
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/**
 * signal() - interposed signal(3): BSD semantics, as glibc's (SA_RESTART)
 * @sig:	signal
 * @fn:		handler
 *
 * Return: the previous handler, SIG_ERR on failure
 */
sighandler_t signal(int sig, sighandler_t fn)
{
	if (!ps_sig_wrappable(sig))
		return ps_sig_set(sig, fn, 0);
	return ps_sig_set(sig, fn, SA_RESTART);
}

/**
 * sysv_signal() - interposed sysv_signal(3): one-shot, no SA_RESTART
 * @sig:	signal
 * @fn:		handler
 *
 * Return: the previous handler, SIG_ERR on failure
 */
sighandler_t sysv_signal(int sig, sighandler_t fn)
{
	return ps_sig_set(sig, fn, SA_RESETHAND | SA_NODEFER);
}

/**
 * siginterrupt() - interposed siginterrupt(3), through sigaction()
 * @sig:	signal
 * @flag:	nonzero: calls are interrupted (no SA_RESTART)
 *
 * Return: 0, or -1 with errno
 */
int siginterrupt(int sig, int flag)
{
	struct sigaction act;

	if (sigaction(sig, NULL, &act) < 0)
		return -1;
	if (flag)
		act.sa_flags &= ~SA_RESTART;
	else
		act.sa_flags |= SA_RESTART;
	return sigaction(sig, &act, NULL);
}
