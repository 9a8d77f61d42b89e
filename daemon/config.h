/* SPDX-License-Identifier: MIT */
/**
 * DOC: config.h - /etc/aether/aetherd.conf: the options, in a file
 */
#ifndef AETHERD_CONFIG_H
#define AETHERD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct option;

#define CONFIG_DEFAULT	"/etc/aether/aetherd.conf"

/**
 * struct config_args - the command line with the file's options in front
 * @argc:	count
 * @argv:	argv[0], the file's options as "--key=value", then the
 *		command line's own (which therefore win)
 * @path:	the file read, or NULL when there was none
 * @check:	--check-config was given
 * @nfile:	how many of @argv (after argv[0]) came from the file
 */
struct config_args {
	int argc;
	char **argv;
	int nfile;
	const char *path;
	bool check;
};

int config_load(int argc, char **argv, const struct option *lopts,
		struct config_args *out, char *err, size_t errlen);
void config_free(struct config_args *ca);

#endif /* AETHERD_CONFIG_H */
