/* SPDX-License-Identifier: MIT */
/**
 * DOC: sandbox.h - aetherd gives up what it no longer needs (see sandbox.c)
 */
#ifndef AETHERD_SANDBOX_H
#define AETHERD_SANDBOX_H

#include <stddef.h>

int sandbox_drop_caps(char *err, size_t errlen);
int sandbox_seccomp(char *err, size_t errlen);

#endif /* AETHERD_SANDBOX_H */
