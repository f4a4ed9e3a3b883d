/* libFuzzer target for what fs/ parses from outside: the paths the kernel
 * hands to the FUSE operations (fs/node.c) and application names from
 * mkdir/rename (fs/names.c). Checks their promises: a parsed path's names
 * fit their buffers; an application name that passes the check is short,
 * has no slash and does not start with a dot. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/names.h"
#include "fs/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node n;
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (node_parse(s, &n) == 0) {
		if (strlen(n.app) > APP_NAME_MAX || strlen(n.tmp) > NAME_MAX)
			abort();
		if (n.kind == N_TMP && (n.app[0] == '\0' || n.tmp[0] == '\0'))
			abort();
		if (strchr(n.app, '/') != NULL || strchr(n.tmp, '/') != NULL)
			abort();
	}
	if (app_name_check(s) == 0) {
		if (strlen(s) == 0 || strlen(s) > APP_NAME_MAX || s[0] == '.' ||
		    strchr(s, '/') != NULL)
			abort();
	}
	free(s);
	return 0;
}
