/* The line structure of ipsecfs.conf, read the way iniparser 4.1 reads it,
 * so that every section and key has its line number for messages, and
 * what iniparser would silently accept (a repeated key, an unterminated
 * quote, text after a closing quote, a key before any section, a
 * continuation at the end of the file) is an error. Values are not
 * kept: they come from iniparser, which reads the scanned text. Internal
 * to libconfig. */
#ifndef IPSECFS_CONFSCAN_H
#define IPSECFS_CONFSCAN_H

#include <stdbool.h>
#include <stddef.h>

#define CONFSCAN_LINE_MAX	1000	/* a logical line; iniparser's limit is 1024 */
#define CONFSCAN_ENTRIES_MAX	8192

struct conf_entry {
	char	*section;	/* lowercased, as iniparser stores it */
	char	*key;		/* lowercased; NULL for a [section] line */
	int	 line;		/* first physical line */
	bool	 quoted;	/* the value was given in quotes */
};

struct conf_scan {
	struct conf_entry	*e;
	size_t			 n;
	size_t			 cap;
};

/* Scans text (NUL-terminated, no NUL inside). Returns 0 with the entries
 * in sc and, in *clean (malloc'd), the text to give iniparser: the same
 * lines, with comments after [section] headers removed (iniparser 4.1
 * rejects them). Or returns -1 with the line in *line (0 when none) and
 * the reason in err, which never quotes a value. */
int conf_scan(const char *text, struct conf_scan *sc, char **clean,
    int *line, char *err, size_t errlen);
void conf_scan_free(struct conf_scan *sc);

#endif
