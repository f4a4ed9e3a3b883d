/* The mount point before mounting: made if missing, a stale ipsecfs mount
 * (its daemon died: ENOTCONN) detached, a live one refused. */
#ifndef IPSECFS_MOUNTPOINT_H
#define IPSECFS_MOUNTPOINT_H

#include <stddef.h>

/* 0 when dir is ready to mount on; otherwise -errno and a message in err
 * (-EBUSY: an ipsecfs is already mounted there). */
int mountpoint_prepare(const char *dir, char *err, size_t errlen);

#endif
