/* The state directory (fs/store.c), application names (fs/names.c) and
 * path parsing (fs/node.c), on a temporary directory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs/names.h"
#include "fs/node.h"
#include "fs/store.h"

struct seen {
	char	names[8][64];
	char	texts[8][64];
	int	errs[8];
	int	n;
};

static void
collect(void *arg, const char *name, const char *text, size_t len, int err)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
	snprintf(s->texts[s->n], sizeof(s->texts[0]), "%.*s", (int)len,
	    text ? text : "");
	s->errs[s->n++] = err;
}

static int
make_dir(void **state)
{
	char *dir = strdup("/tmp/test_fs_store-XXXXXX");

	assert_non_null(mkdtemp(dir));
	*state = dir;
	return 0;
}

static int
remove_dir(void **state)
{
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", (char *)*state);
	assert_int_equal(system(cmd), 0);
	free(*state);
	return 0;
}

static char *
slurp(const char *dir, const char *file)
{
	static char buf[256];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/apps/%s", dir, file);
	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void
test_save_load(void **state)
{
	const char *dir = *state;
	struct store *st;
	struct seen s = { 0 };
	long holder;

	assert_int_equal(store_open(dir, &st, &holder), 0);
	assert_int_equal(store_save(st, "ftp", "text one", 8), 0);
	assert_int_equal(store_save(st, "ftp", "text two", 8), 0);
	assert_int_equal(store_save(st, "empty", "", 0), 0);
	assert_string_equal(slurp(dir, "ftp.policy"), "text two");
	assert_int_equal(store_load(st, 100, collect, &s), 0);
	assert_int_equal(s.n, 2);
	for (int i = 0; i < s.n; i++) {
		assert_int_equal(s.errs[i], 0);
		if (strcmp(s.names[i], "ftp") == 0)
			assert_string_equal(s.texts[i], "text two");
		else
			assert_string_equal(s.names[i], "empty");
	}
	assert_int_equal(store_remove(st, "ftp"), 0);
	assert_null(slurp(dir, "ftp.policy"));
	assert_int_equal(store_remove(st, "ftp"), 0);	/* already gone */
	store_close(st);
}

static void
test_two_steps(void **state)
{
	const char *dir = *state;
	struct store *st;
	struct store_txn *t;
	struct seen s = { 0 };
	long holder;

	assert_int_equal(store_open(dir, &st, &holder), 0);
	assert_int_equal(store_save(st, "a", "old", 3), 0);
	/* prepared but aborted: the old text stays, nothing is left behind */
	assert_int_equal(store_prepare(st, "a", "new", 3, &t), 0);
	assert_string_equal(slurp(dir, "a.policy"), "old");
	store_abort(t);
	assert_string_equal(slurp(dir, "a.policy"), "old");
	assert_int_equal(store_prepare(st, "a", "new", 3, &t), 0);
	assert_int_equal(store_commit(t), 0);
	assert_string_equal(slurp(dir, "a.policy"), "new");
	/* a temporary file of a save cut short is removed at load */
	assert_int_equal(store_prepare(st, "a", "cut", 3, &t), 0);
	assert_int_equal(store_load(st, 100, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.texts[0], "new");
	store_abort(t);		/* its file is gone already: no error */
	store_close(st);
}

static void
test_limits_and_lock(void **state)
{
	const char *dir = *state;
	struct store *st, *st2;
	struct seen s = { 0 };
	char path[PATH_MAX];
	long holder = 0;
	FILE *f;

	assert_int_equal(store_open(dir, &st, &holder), 0);
	assert_int_equal(store_open(dir, &st2, &holder), -EBUSY);
	assert_int_equal(holder, (long)getpid());
	assert_int_equal(store_save(st, "big", "0123456789", 10), 0);
	/* not an application name: ignored */
	snprintf(path, sizeof(path), "%s/apps/bad name.policy", dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_int_equal(store_load(st, 5, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.names[0], "big");
	assert_int_equal(s.errs[0], -EFBIG);
	store_close(st);
	assert_int_equal(store_open(dir, &st, &holder), 0);
	store_close(st);
}

static void
test_names(void **state)
{
	char longest[APP_NAME_MAX + 2];

	assert_int_equal(app_name_check("ftp"), 0);
	assert_int_equal(app_name_check("my-app_2.0+x@y"), 0);
	assert_int_equal(app_name_check(""), -EINVAL);
	assert_int_equal(app_name_check(".hidden"), -EINVAL);
	assert_int_equal(app_name_check("-opt"), -EINVAL);
	assert_int_equal(app_name_check("a b"), -EINVAL);
	assert_int_equal(app_name_check("a/b"), -EINVAL);
	assert_int_equal(app_name_check("tab\t"), -EINVAL);
	assert_int_equal(app_name_check("\xc3\xa9t\xc3\xa9"), -EINVAL);
	memset(longest, 'a', APP_NAME_MAX);
	longest[APP_NAME_MAX] = '\0';
	assert_int_equal(app_name_check(longest), 0);
	longest[APP_NAME_MAX] = 'a';
	longest[APP_NAME_MAX + 1] = '\0';
	assert_int_equal(app_name_check(longest), -ENAMETOOLONG);
}

static void
test_paths(void **state)
{
	struct node n;

	assert_int_equal(node_parse("/", &n), 0);
	assert_int_equal(n.kind, N_ROOT);
	assert_int_equal(node_parse("/apps", &n), 0);
	assert_int_equal(n.kind, N_APPS);
	assert_int_equal(node_parse("/events", &n), 0);
	assert_int_equal(n.kind, N_EVENTS);
	assert_int_equal(node_parse("/nothing", &n), 0);
	assert_int_equal(n.kind, N_NONE);
	assert_int_equal(node_parse("/nothing/x", &n), -ENOENT);
	assert_int_equal(node_parse("/status/x", &n), -ENOTDIR);
	assert_int_equal(node_parse("/apps/ftp", &n), 0);
	assert_int_equal(n.kind, N_APP);
	assert_string_equal(n.app, "ftp");
	assert_int_equal(node_parse("/apps/ftp/policy", &n), 0);
	assert_int_equal(n.kind, N_POLICY);
	assert_int_equal(node_parse("/apps/ftp/status", &n), 0);
	assert_int_equal(n.kind, N_APP_STATUS);
	assert_int_equal(node_parse("/apps/ftp/sockets", &n), 0);
	assert_int_equal(n.kind, N_SOCKETS);
	assert_int_equal(node_parse("/apps/ftp/.policy.swp", &n), 0);
	assert_int_equal(n.kind, N_TMP);
	assert_string_equal(n.tmp, ".policy.swp");
	assert_int_equal(node_parse("/apps/ftp/policy/x", &n), -ENOTDIR);
	assert_int_equal(node_parse("/apps/ftp/tmp/x", &n), -ENOENT);
	assert_int_equal(node_parse("/apps/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &n),
	    -ENAMETOOLONG);
	assert_true(node_generated(N_SPD));
	assert_false(node_generated(N_POLICY));
	assert_false(node_generated(N_TMP));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_save_load, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_two_steps, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_limits_and_lock, make_dir, remove_dir),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
