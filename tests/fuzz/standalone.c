/* Runs a libFuzzer target over files given on the command line (its seed
 * corpus), so that every fuzz target is also a regression test in make
 * check without clang. A directory argument runs every file in it. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int
run_path(const char *path, int *count)
{
	char sub[4096];
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int rc = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
		if (run_path(sub, count) != 0)
			rc = -1;
	}
	closedir(dir);
	return rc;
}

/* With no argument (as in make check), runs
 * $top_srcdir/tests/fuzz/corpus/<program name>/. */
int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir"), *name;
	char dir[4096];
	int i, count = 0, rc = 0;

	if (argc == 1) {
		name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
		    top ? top : ".", name);
		rc = run_path(dir, &count) != 0;
	}
	for (i = 1; i < argc; i++)
		if (run_path(argv[i], &count) != 0)
			rc = 1;
	if (count == 0) {
		fprintf(stderr, "%s: no inputs\n", argv[0]);
		rc = 1;
	}
	printf("%s: %d inputs run\n", argv[0], count);
	return rc;
}
