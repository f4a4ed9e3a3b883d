/* Which names the tree accepts. */
#ifndef IPSECFS_NAMES_H
#define IPSECFS_NAMES_H

#define APP_NAME_MAX	64	/* longest application name, bytes */

/* 0 when name may name an application directory (apps/NAME): 1 to
 * APP_NAME_MAX characters of [A-Za-z0-9._+@-], not starting with '.' or
 * '-'; -ENAMETOOLONG or -EINVAL otherwise. */
int app_name_check(const char *name);

#endif
