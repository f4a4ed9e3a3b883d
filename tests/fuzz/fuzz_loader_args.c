/* libFuzzer target for the loader's command line as the monitor reads it
 * from /proc/PID/cmdline of any process (monitor/loader.c): the program
 * found lies inside the input, past argv[0], is not empty and is not one
 * of the loader's options. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/tracer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *prog;
	char *args;

	if ((args = malloc(size + 1)) == NULL)
		return 0;
	memcpy(args, data, size);
	args[size] = '\0';
	prog = loader_program_arg(args, size);
	if (prog != NULL) {
		if (prog <= args || prog >= args + size || *prog == '\0')
			abort();
		if (prog[-1] != '\0' || strncmp(prog, "--", 2) == 0)
			abort();
		if (strlen(prog) > size - (size_t)(prog - args))
			abort();
	}
	(void)is_loader(args);
	free(args);
	return 0;
}
