// SPDX-License-Identifier: MIT
/**
 * DOC: config.c - aetherd's configuration file
 *
 * The file holds the same keys as the long options, one a line:
 *
 *   # /etc/aether/aetherd.conf
 *   tap = aether0
 *   addr = 192.168.1.2/24
 *   allow-low-ports = www-data     (repeatable, as on the command line)
 *   stats-on-exit                  (a flag: the key alone)
 *
 * config_load() turns each line into "--key=value" and puts them in front of
 * the command line's own arguments, so the one option parser checks both
 * (a bad value is refused naming its key, as on the command line) and the
 * command line wins. The file is --config FILE, else CONFIG_DEFAULT when
 * it exists. --check-config makes aetherd parse everything and exit.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/**
 * trim() - strip leading and trailing blanks in place
 * @s:		text
 *
 * Return: the first non-blank character of @s
 */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/**
 * find_key() - the long option named @key, if a file may set it
 * @lopts:	option table
 * @key:	name
 *
 * Return: the entry, or NULL (unknown, or one of config, check-config,
 * help, version, which mean nothing in a file)
 */
static const struct option *find_key(const struct option *lopts,
				     const char *key)
{
	static const char *const not_in_file[] = {
		"config", "check-config", "help", "version",
	};
	size_t i;

	for (i = 0; i < sizeof(not_in_file) / sizeof(not_in_file[0]); i++)
		if (!strcmp(key, not_in_file[i]))
			return NULL;
	for (; lopts->name; lopts++)
		if (!strcmp(lopts->name, key))
			return lopts;
	return NULL;
}

/**
 * parse_line() - one line into "--key[=value]"
 * @line:	text (modified)
 * @lopts:	option table
 * @arg:	result (malloc'ed), NULL for a blank or comment line
 * @err:	reason on failure
 * @errlen:	its size
 *
 * Return: 0, or -EINVAL
 */
static int parse_line(char *line, const struct option *lopts, char **arg,
		      char *err, size_t errlen)
{
	const struct option *o;
	char *key, *val, *hash = strchr(line, '#');

	*arg = NULL;
	if (hash)
		*hash = '\0';
	key = trim(line);
	if (!*key)
		return 0;
	val = key + strcspn(key, " \t=");
	if (*val) {
		*val++ = '\0';
		val = trim(val);
		if (*val == '=')
			val = trim(val + 1);
	}
	o = find_key(lopts, key);
	if (!o) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -EINVAL;
	}
	if (o->has_arg == no_argument && *val) {
		snprintf(err, errlen, "key '%s' takes no value", key);
		return -EINVAL;
	}
	if (o->has_arg == required_argument && !*val) {
		snprintf(err, errlen, "key '%s' needs a value", key);
		return -EINVAL;
	}
	if (asprintf(arg, *val ? "--%s=%s" : "--%s", key, val) < 0)
		return -ENOMEM;
	return 0;
}

/**
 * read_file() - append the file's options to @out->argv
 * @f:		the open file
 * @lopts:	option table
 * @out:	result, @out->argv with room for @room entries
 * @room:	entries @out->argv can take
 * @err:	"FILE:LINE: reason" on failure
 * @errlen:	its size
 *
 * Return: 0, or -errno
 */
static int read_file(FILE *f, const struct option *lopts,
		     struct config_args *out, int room, char *err,
		     size_t errlen)
{
	char line[1024], why[256], *arg;
	int n = 0, rc;

	while (fgets(line, sizeof(line), f)) {
		n++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line longer than %zu bytes",
				 out->path, n, sizeof(line) - 2);
			return -EINVAL;
		}
		rc = parse_line(line, lopts, &arg, why, sizeof(why));
		if (rc) {
			snprintf(err, errlen, "%s:%d: %s", out->path, n, why);
			return rc;
		}
		if (!arg)
			continue;
		if (out->argc == room) {
			free(arg);
			snprintf(err, errlen, "%s: more than %d options",
				 out->path, room);
			return -E2BIG;
		}
		out->argv[out->argc++] = arg;
		out->nfile++;
	}
	return 0;
}

/**
 * find_config() - --config FILE / --config=FILE and --check-config in argv
 * @argc:	argument count
 * @argv:	arguments
 * @check:	set if --check-config is there
 *
 * Return: the FILE, or NULL
 */
static const char *find_config(int argc, char **argv, bool *check)
{
	const char *path = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--check-config"))
			*check = true;
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			path = argv[++i];
	}
	return path;
}

/**
 * config_load() - the command line, with the configuration file in front
 * @argc:	argument count
 * @argv:	arguments
 * @lopts:	the long options (the file's keys)
 * @out:	result; out->argv is allocated (it lives as long as aetherd)
 * @err:	one line on failure ("FILE:LINE: unknown key 'x'", ...)
 * @errlen:	its size
 *
 * Return: 0, or -errno (-ENOENT: --config FILE does not exist)
 */
int config_load(int argc, char **argv, const struct option *lopts,
		struct config_args *out, char *err, size_t errlen)
{
	const int room = 256;
	const char *path;
	FILE *f;
	int rc, i;

	memset(out, 0, sizeof(*out));
	path = find_config(argc, argv, &out->check);
	f = fopen(path ? path : CONFIG_DEFAULT, "re");
	if (!f && (path || errno != ENOENT)) {
		rc = -errno;
		snprintf(err, errlen, "cannot read %s: %s",
			 path ? path : CONFIG_DEFAULT, strerror(errno));
		return rc;
	}
	out->argv = calloc((size_t)room + (size_t)argc + 1, sizeof(char *));
	if (!out->argv) {
		if (f)
			fclose(f);
		return -ENOMEM;
	}
	out->argv[out->argc++] = argv[0];
	if (f) {
		out->path = path ? path : CONFIG_DEFAULT;
		rc = read_file(f, lopts, out, room, err, errlen);
		fclose(f);
		if (rc) {
			config_free(out);
			return rc;
		}
	}
	for (i = 1; i < argc; i++)
		out->argv[out->argc++] = argv[i];
	return 0;
}

/**
 * config_free() - free what config_load() allocated
 * @ca:		its result; nothing in it may be used afterwards
 */
void config_free(struct config_args *ca)
{
	int i;

	if (!ca->argv)
		return;
	for (i = 1; i <= ca->nfile; i++)
		free(ca->argv[i]);
	free(ca->argv);
	ca->argv = NULL;
	ca->argc = 0;
	ca->nfile = 0;
}
