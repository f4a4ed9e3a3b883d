/* A growable text buffer for everything ipsecfs renders. An allocation
 * failure is sticky: later appends do nothing and strbuf_failed() says so. */
#ifndef IPSECFS_STRBUF_H
#define IPSECFS_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char	*buf;		/* always NUL-terminated once anything was added */
	size_t	 len;
	size_t	 cap;
	bool	 failed;
};

#define STRBUF_INIT { NULL, 0, 0, false }

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
/* Hands the text to the caller (never NULL unless failed); sb is emptied. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
static inline bool strbuf_failed(const struct strbuf *sb) { return sb->failed; }

#endif
