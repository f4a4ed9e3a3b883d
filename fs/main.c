/* ipsecfs: application-aware IPsec policies, driven through a file system. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fs/cli.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ipsecfs [-f] [-d] [-c CONFIG] [-o ro] [MOUNTPOINT]\n"
	    "       ipsecfs --check FILE...\n"
	    "       ipsecfs --version | --help\n"
	    "\n"
	    "  -f         stay in the foreground, log to stderr\n"
	    "  -d         debug output (implies -f)\n"
	    "  -c CONFIG  configuration file (default /etc/ipsecfs/ipsecfs.conf)\n"
	    "  -o ro      mount read-only, for inspection\n"
	    "  --check    validate policy files; print their canonical form\n"
	    "\n"
	    "The default mount point is /run/ipsecfs. See ipsecfs(8).\n");
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("ipsecfs %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--check") == 0) {
		if (argc < 3) {
			fprintf(stderr, "ipsecfs: --check needs at least one FILE\n");
			return 2;
		}
		return check_main(argc - 2, argv + 2);
	}
	return daemon_main(argc, argv);
}
