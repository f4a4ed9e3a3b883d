/* TUN devices for the user-space datapath. */
#ifndef IPSECFS_TUN_H
#define IPSECFS_TUN_H

#include <stddef.h>
#include <stdint.h>

#define TUN_VNET_HDR	0x1	/* IFF_VNET_HDR: a virtio_net_hdr before each packet */

/* Opens (or attaches to) the TUN device name with IFF_TUN | IFF_NO_PI
 * (and IFF_VNET_HDR with TUN_VNET_HDR), non-blocking. name may be "" to let
 * the kernel choose; it gets the device's name (IFNAMSIZ bytes).
 * Returns the fd, or -1 with a reason in err. */
int	tun_open(char *name, int flags, char *err, size_t errlen);

/* Reads one IP packet into buf (without the virtio header when the device
 * has one; a packet the kernel wants segmented is refused). Returns its
 * length, 0 when there is none now, -1 on error. */
ssize_t	tun_read(int fd, int flags, uint8_t *buf, size_t cap);
/* Writes one IP packet. 0 or -1. */
int	tun_write(int fd, int flags, const uint8_t *pkt, size_t len);

#endif
