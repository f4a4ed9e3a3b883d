/* The event log behind the `events` file: a bounded ring of text lines,
 * each numbered. Any thread may emit; readers follow a sequence number and
 * may block until a newer line exists. When the ring overruns a slow
 * reader, the reader gets a "dropped N events" line instead of the lost ones. */
#ifndef IPSECFS_EVENTS_H
#define IPSECFS_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#define EVENTS_RING	4096	/* lines kept */
#define EVENTS_LINE	512	/* longest line, bytes, newline included */

/* One line, without trailing newline; a time stamp is prefixed. */
void events_emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sequence number the next emitted line will get. */
uint64_t events_next(void);

/* Copies whole lines starting at *seq into buf (at most len bytes) and
 * advances *seq. Returns the number of bytes copied (0: nothing new). */
size_t events_read(uint64_t *seq, char *buf, size_t len);

/* Waits until a line at or after seq exists, up to timeout_ms (-1: for
 * ever) or events_wake(). Returns 1 when one exists, 0 otherwise. */
int events_wait(uint64_t seq, int timeout_ms);

/* Wakes every waiter (used at shut-down). */
void events_wake(void);

/* Called (outside the lock) after each emitted line, e.g. for poll. */
void events_set_notify(void (*fn)(void *arg), void *arg);

#endif
