/* The `events` file as one growing byte stream. engine/events.c keeps
 * numbered lines; files need byte offsets, so this mirror copies every
 * line as it is emitted into a ring of bytes, where a byte's offset is
 * its position in everything emitted since start. st_size is the number
 * of bytes so far, which is what `tail -f` watches; a read at the end
 * blocks until a line arrives, which is what `cat events` needs. */
#ifndef IPSECFS_EVSTREAM_H
#define IPSECFS_EVSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define EVSTREAM_BYTES	(1024 * 1024)	/* bytes kept for readers */

/* One open of `events`: its offsets relative to the stream's. */
struct evreader {
	int64_t	shift;		/* stream offset = file offset + shift */
	off_t	pos;		/* file offset after the last read */
	bool	started;
};

/* Starts mirroring events_emit(); wake runs (no lock held) after each line. */
int evstream_start(void (*wake)(void *), void *arg);
/* Ends every blocked read (they return 0) and stops mirroring. */
void evstream_stop(void);

/* Bytes emitted so far and the time of the last line. */
uint64_t evstream_size(struct timespec *mtime);

/* Reads at file offset off. At the end of the stream it waits for a new
 * line when wait is true, checking cancelled() every 250 ms: returns 0
 * at stop, -EINTR when cancelled. */
ssize_t evstream_read(struct evreader *r, char *buf, size_t size, off_t off,
    bool wait, bool (*cancelled)(void));
/* Whether a read at r's position would return data now. */
bool evstream_readable(struct evreader *r);

#endif
