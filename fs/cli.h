/* Entry points behind the ipsecfs command line (fs/main.c). */
#ifndef IPSECFS_CLI_H
#define IPSECFS_CLI_H

/* ipsecfs --check FILE...: canonical form on stdout, errors on stderr,
 * 1 when any file has an error (engine/check.c). */
int check_main(int nfiles, char **files);

/* ipsecfs [-f] [-d] [-c CONFIG] [-o ro] [MOUNTPOINT] (fs/daemon.c). */
int daemon_main(int argc, char **argv);

#endif
