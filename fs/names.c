#include "config.h"

#include <errno.h>
#include <string.h>

#include "fs/names.h"

int
app_name_check(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || name[0] == '.' || name[0] == '-')
		return -EINVAL;
	if (n > APP_NAME_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("._+@-", c) != NULL))
			return -EINVAL;
	}
	return 0;
}
