/* TUN devices: open, read and write one packet; see tun.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "crypto/tun.h"

int
tun_open(char *name, int flags, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd;

	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (flags & TUN_VNET_HDR)
		ifr.ifr_flags |= IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "TUNSETIFF %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	return fd;
}

ssize_t
tun_read(int fd, int flags, uint8_t *buf, size_t cap)
{
	struct virtio_net_hdr vh;
	struct iovec iov[2];
	ssize_t n;

	if (!(flags & TUN_VNET_HDR)) {
		n = read(fd, buf, cap);
	} else {
		iov[0] = (struct iovec){ &vh, sizeof(vh) };
		iov[1] = (struct iovec){ buf, cap };
		n = readv(fd, iov, 2);
		if (n >= 0 && (n < (ssize_t)sizeof(vh) ||
		    vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)) {
			errno = EPROTO;	/* no offloads were asked for */
			return -1;
		}
		if (n >= 0)
			n -= sizeof(vh);
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return n;
}

int
tun_write(int fd, int flags, const uint8_t *pkt, size_t len)
{
	struct virtio_net_hdr vh;
	struct iovec iov[2];
	ssize_t n;

	if (!(flags & TUN_VNET_HDR)) {
		n = write(fd, pkt, len);
		return n == (ssize_t)len ? 0 : -1;
	}
	memset(&vh, 0, sizeof(vh));
	iov[0] = (struct iovec){ &vh, sizeof(vh) };
	iov[1] = (struct iovec){ (void *)pkt, len };
	n = writev(fd, iov, 2);
	return n == (ssize_t)(len + sizeof(vh)) ? 0 : -1;
}
