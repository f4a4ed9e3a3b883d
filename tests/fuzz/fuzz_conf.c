/* libFuzzer target: a whole ipsecfs.conf, written to a temporary file and
 * loaded. A load either succeeds or fails with a message, and confscan
 * never disagrees with iniparser about the entries. (That messages never
 * quote a psk is checked in tests/unit/test_conf.c.) */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz_conf.XXXXXX", err[1024], differ[128];
	struct conf c;
	int fd, rc;

	if ((fd = mkstemp(path)) < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	err[0] = '\0';
	rc = conf_load(&c, path, err, sizeof(err));
	unlink(path);
	if (rc != 0 && err[0] == '\0')
		abort();
	/* confscan must read every file the way iniparser does */
	snprintf(differ, sizeof(differ), "%s: iniparser read it differently "
	    "than ipsecfs did", path);
	if (rc != 0 && strcmp(err, differ) == 0)
		abort();
	if (rc == 0 && (c.path == NULL || c.mountpoint == NULL))
		abort();
	conf_free(&c);
	return 0;
}
