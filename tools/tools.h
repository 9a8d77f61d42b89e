/* SPDX-License-Identifier: MIT */
/**
 * DOC: tools.h - the `aether` tool's commands
 *
 * tools/aether_main.c dispatches "aether CMD ..." to one of these; each takes
 * the arguments after CMD (argv[0] is CMD) and returns the exit status: 0,
 * 1 when the job failed (said on stderr), 2 for a usage error.
 */
#ifndef AE_TOOLS_H
#define AE_TOOLS_H

int cmd_stats(int argc, char **argv);
int cmd_ss(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);

void tool_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tool_unreachable(int err);

#endif /* AE_TOOLS_H */
