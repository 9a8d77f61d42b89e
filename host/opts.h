/* SPDX-License-Identifier: MIT */
/**
 * DOC: opts.h - parsing command line values (addresses, MACs, numbers)
 *
 * Shared by aetherd and the embedded examples. Each parser fills a one-line
 * reason on failure; none prints or exits.
 */
#ifndef AE_OPTS_H
#define AE_OPTS_H

#include <stddef.h>
#include <stdint.h>

struct option;

/* The release, printed by every program's --version */
#define AETHER_VERSION	"0.1.0"

/* opt_next(): an unknown option, a missing or an empty value */
#define OPT_ERR		(-2)

int opt_parse_ipv4(const char *s, uint32_t *addr);
int opt_parse_cidr(const char *s, uint32_t *addr, uint8_t *prefix_len,
		   char *err, size_t errlen);
int opt_parse_gateway(const char *s, uint32_t addr, uint8_t prefix_len,
		      uint32_t *gw, char *err, size_t errlen);
int opt_parse_mac(const char *s, uint8_t mac[6], char *err, size_t errlen);
void opt_default_mac(uint32_t addr, uint8_t mac[6]);
int opt_parse_ulong(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out);
int opt_next(int argc, char **argv, const char *shortopts,
	     const struct option *lopts, char *err, size_t errlen);

#endif /* AE_OPTS_H */
