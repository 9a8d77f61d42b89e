// SPDX-License-Identifier: MIT
/**
 * DOC: replay_main.c - run a fuzz target over files without libFuzzer
 *
 * Linked with a fuzz_*.c target instead of -fsanitize=fuzzer (so gcc works
 * too), it feeds every file named on the command line, and every file in a
 * named directory, to LLVMFuzzerTestOneInput() once. Built with ASan+UBSan
 * by tests/fuzz/run.sh replay, it turns the corpus and the saved crashes
 * into a quick regression run.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT	(1u << 20)

/**
 * run_file() - feed one file to the target
 * @path:	file
 *
 * Return: 0, or -1 when it cannot be read
 */
static int run_file(const char *path)
{
	static uint8_t buf[REPLAY_MAX_INPUT];
	FILE *f = fopen(path, "rb");
	uint8_t *copy;
	size_t n;

	if (!f) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	copy = malloc(n ? n : 1);	/* exact size: ASan sees overreads */
	if (!copy)
		return -1;
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	return 0;
}

/**
 * run_dir() - feed every regular file of a directory
 * @dir:	directory
 * @count:	incremented per file run
 *
 * Return: 0, or -1 on an unreadable entry
 */
static int run_dir(const char *dir, unsigned long *count)
{
	char path[4096];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (run_file(path))
			ret = -1;
		else
			(*count)++;
	}
	closedir(d);
	return ret;
}

/**
 * main() - replay files and directories
 * @argc:	count
 * @argv:	paths
 *
 * Return: 0 when every input ran (a crash aborts before)
 */
int main(int argc, char **argv)
{
	unsigned long count = 0;
	struct stat st;
	int i, ret = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st)) {
			perror(argv[i]);
			ret = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count))
				ret = 1;
		} else if (run_file(argv[i])) {
			ret = 1;
		} else {
			count++;
		}
	}
	printf("replayed %lu inputs\n", count);
	return ret;
}
