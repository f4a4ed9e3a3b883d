/* Hex strings to bytes for known-answer tests (spaces are skipped). */
#ifndef IPSECFS_TEST_HEX_H
#define IPSECFS_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static inline size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	char b[3] = { 0 };

	while (*s != '\0' && n < cap) {
		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		b[0] = s[0];
		b[1] = s[1];
		out[n++] = (uint8_t)strtoul(b, NULL, 16);
		s += 2;
	}
	return n;
}

#endif
