#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "engine/log.h"
#include "fs/mountpoint.h"

/* Whether a fuse.ipsecfs file system is mounted on dir (mountinfo fields:
 * id parent major:minor root mountpoint options ... - fstype source ...). */
static int
ipsecfs_mounted(const char *dir)
{
	char line[4096], mnt[PATH_MAX], *sep;
	int found = 0;
	FILE *f;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if ((sep = strstr(line, " - ")) == NULL)
			continue;
		/* mountinfo escapes spaces as \040; compare as written */
		if (strcmp(mnt, dir) == 0 && strncmp(sep + 3, "fuse.ipsecfs ", 13) == 0)
			found = 1;
	}
	fclose(f);
	return found;
}

static int
mkdir_p(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return -errno;
	return 0;
}

int
mountpoint_prepare(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	int rc;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: name too long", dir);
		return -ENAMETOOLONG;
	}
	if (stat(path, &st) == -1 && errno == ENOTCONN) {
		/* a daemon died and left its mount: detach it */
		if (umount2(path, MNT_DETACH) == -1) {
			rc = -errno;
			snprintf(err, errlen, "%s: stale mount, cannot unmount it: %s",
			    dir, strerror(errno));
			return rc;
		}
		log_warn("%s: recovered a stale mount left by an earlier ipsecfs", dir);
	} else if (ipsecfs_mounted(path)) {
		snprintf(err, errlen, "%s: an ipsecfs is already mounted there "
		    "(unmount it or stop that daemon first)", dir);
		return -EBUSY;
	}
	if ((rc = mkdir_p(path)) < 0) {
		snprintf(err, errlen, "%s: cannot make the mount point: %s", dir,
		    strerror(-rc));
		return rc;
	}
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}
