/* ipsecfs.conf: defaults, DESIGN's example, every key, every error class
 * with its exact message, PSK secrecy, iniparser's quirks, peer lookup.
 * Files are written to a directory the test creates and removes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/conf.h"
#include "engine/ipaddr.h"

static char dir[64];
static char path[128];
static struct conf c;
static char err[1024];

static int
setup(void **state)
{
	strcpy(dir, "/tmp/test_conf.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/ipsecfs.conf", dir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	return rmdir(dir);
}

static void
write_file(const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void
load_ok(const char *text)
{
	write_file(text, strlen(text));
	err[0] = '\0';
	if (conf_load(&c, path, err, sizeof(err)) != 0)
		fail_msg("rejected: %s", err);
}

/* Expects exactly "PATH:LINE: what" (line 0: "PATH: what"). */
static void
load_bad_len(const char *text, size_t len, int line, const char *what)
{
	char want[1024];

	write_file(text, len);
	err[0] = '\0';
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), -1);
	if (line)
		snprintf(want, sizeof(want), "%s:%d: %s", path, line, what);
	else
		snprintf(want, sizeof(want), "%s: %s", path, what);
	assert_string_equal(err, want);
	/* a failed load leaves nothing to free, and conf_free is safe */
	assert_null(c.peers);
	assert_null(c.mountpoint);
	conf_free(&c);
}

static void
load_bad(const char *text, int line, const char *what)
{
	load_bad_len(text, strlen(text), line, what);
}

static void
assert_proposals(const struct proposal_list *l, const char *text,
    enum proposal_kind kind)
{
	struct proposal_list want;
	char e[256];
	size_t i, j;

	assert_int_equal(proposal_parse(text, kind, &want, e, sizeof(e)), 0);
	assert_int_equal(l->n, want.n);
	for (i = 0; i < want.n; i++) {
		assert_int_equal(l->p[i].nt, want.p[i].nt);
		for (j = 0; j < want.p[i].nt; j++) {
			assert_int_equal(l->p[i].t[j].type, want.p[i].t[j].type);
			assert_int_equal(l->p[i].t[j].id, want.p[i].t[j].id);
			assert_int_equal(l->p[i].t[j].keylen,
			    want.p[i].t[j].keylen);
		}
	}
}

static void
assert_prefix(const struct prefix *p, const char *text)
{
	char buf[64];

	assert_string_equal(prefix_str(p, buf, sizeof(buf)), text);
}

static void
assert_design_defaults(const struct conf *k)
{
	assert_string_equal(k->mountpoint, "/run/ipsecfs");
	assert_string_equal(k->statedir, "/var/lib/ipsecfs");
	assert_int_equal(k->datapath, DATAPATH_AUTO);
	assert_int_equal(k->udp_ttl, 60);
	assert_null(k->admin_group);
	assert_false(k->allow_other);
	assert_false(k->keep_policies);
	assert_proposals(&k->ike.proposals,
	    "aes128gcm16-prfsha256-ecp256, aes128-sha1-modp2048", PROPOSAL_IKE);
	assert_proposals(&k->ike.esp_proposals,
	    "aes128gcm16, chacha20poly1305, aes128-sha1", PROPOSAL_ESP);
	assert_int_equal(k->ike.mode, MODE_TRANSPORT);
	assert_int_equal(k->ike.encap, ENCAP_AUTO);
	assert_int_equal(k->ike.lifetime, 3600);
}

static void
test_defaults(void **state)
{
	struct stat st;

	conf_defaults(&c);
	assert_design_defaults(&c);
	assert_null(c.path);
	assert_int_equal(c.npeers, 0);
	assert_null(c.peers);
	assert_null(conf_find_peer(&c, &(struct ipaddr){ .family = AF_INET }));
	conf_free(&c);
	/* no file at all is fine when none was named */
	if (stat(CONF_DEFAULT_PATH, &st) != 0 && errno == ENOENT) {
		assert_int_equal(conf_load(&c, NULL, err, sizeof(err)), 0);
		assert_null(c.path);
		assert_design_defaults(&c);
		conf_free(&c);
	}
	/* an empty file, or one of comments, changes nothing */
	load_ok("");
	assert_string_equal(c.path, path);
	assert_design_defaults(&c);
	conf_free(&c);
	load_ok("; nothing\n# here\n\n");
	assert_design_defaults(&c);
	conf_free(&c);
}

static void
test_named_file_must_exist(void **state)
{
	char want[256], fifo[128];

	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(conf_load(&c, "/nonexistent/ipsecfs.conf", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/ipsecfs.conf: cannot open: "
	    "No such file or directory");
	conf_free(&c);
	assert_int_equal(conf_load(&c, dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	assert_string_equal(err, want);
	conf_free(&c);
	/* a FIFO is refused without waiting for a writer */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(conf_load(&c, fifo, err, sizeof(err)), -1);
	unlink(fifo);
	snprintf(want, sizeof(want), "%s: not a regular file", fifo);
	assert_string_equal(err, want);
	conf_free(&c);
}

static const char design_example[] =
	"[daemon]\n"
	"mountpoint = /run/ipsecfs\n"
	"statedir   = /var/lib/ipsecfs\n"
	"datapath   = auto          ; auto | kernel | userspace\n"
	"udp_ttl    = 60            ; seconds an outbound UDP entry lives "
	    "without a send\n"
	"\n"
	"[ike]                      ; defaults for every peer\n"
	"proposals     = aes128gcm16-prfsha256-ecp256, aes128-sha1-modp2048\n"
	"esp_proposals = aes128gcm16, chacha20poly1305, aes128-sha1\n"
	"mode          = transport  ; transport | tunnel\n"
	"encap         = auto       ; auto (NAT detection) | yes (always "
	    "UDP-encapsulate ESP)\n"
	"lifetime      = 3600       ; CHILD SA seconds; IKE SA lives longer\n"
	"\n"
	"[peer.lab]                 ; one section per peer or peer network\n"
	"remote    = 10.77.0.0/24   ; address or prefix this peer entry covers\n"
	"local_id  = 10.77.0.1      ; optional, default: the local address\n"
	"remote_id = 10.77.0.2      ; optional, default: the peer's address\n"
	"psk       = \"a long shared secret\"\n"
	"; proposals, esp_proposals, mode, encap may be set per peer too\n";

static void
test_design_example(void **state)
{
	const struct peer_conf *p;

	load_ok(design_example);
	assert_design_defaults(&c);
	assert_int_equal(c.npeers, 1);
	p = &c.peers[0];
	assert_string_equal(p->name, "lab");
	assert_prefix(&p->remote, "10.77.0.0/24");
	assert_string_equal(p->local_id, "10.77.0.1");
	assert_string_equal(p->remote_id, "10.77.0.2");
	assert_int_equal(p->psk_len, 20);
	assert_memory_equal(p->psk, "a long shared secret", 20);
	assert_proposals(&p->ike.proposals,
	    "aes128gcm16-prfsha256-ecp256, aes128-sha1-modp2048", PROPOSAL_IKE);
	assert_int_equal(p->ike.lifetime, 3600);
	conf_free(&c);
}

static void
test_every_key(void **state)
{
	const struct peer_conf *p;

	load_ok("[daemon]\n"
	    "mountpoint = /mnt/ipsec\n"
	    "statedir = /srv/ipsecfs/state\n"
	    "datapath = userspace\n"
	    "udp_ttl = 86400\n"
	    "admin_group = netadm\n"
	    "allow_other = yes\n"
	    "keep_policies = yes\n"
	    "[ike]\n"
	    "proposals = aes256-sha384-ecp384\n"
	    "esp_proposals = aes256gcm16-modp2048-esn\n"
	    "mode = tunnel\n"
	    "encap = yes\n"
	    "lifetime = 60\n"
	    "[peer.v6]\n"
	    "remote = fd00:77::/64\n"
	    "psk = 0x000102030405060708090a0b0c0d0e0F\n"
	    "proposals = chacha20poly1305-prfsha256-ecp256\n"
	    "esp_proposals = null-sha256\n"
	    "mode = transport\n"
	    "encap = auto\n"
	    "lifetime = 86400\n"
	    "[peer.host]\n"
	    "remote = 192.0.2.7\n"
	    "psk = 'sixteen bytes ok'\n");
	assert_string_equal(c.mountpoint, "/mnt/ipsec");
	assert_string_equal(c.statedir, "/srv/ipsecfs/state");
	assert_int_equal(c.datapath, DATAPATH_USERSPACE);
	assert_int_equal(c.udp_ttl, 86400);
	assert_string_equal(c.admin_group, "netadm");
	assert_true(c.allow_other);
	assert_true(c.keep_policies);
	assert_proposals(&c.ike.proposals, "aes256-sha384-ecp384",
	    PROPOSAL_IKE);
	assert_int_equal(c.ike.mode, MODE_TUNNEL);
	assert_int_equal(c.ike.encap, ENCAP_YES);
	assert_int_equal(c.ike.lifetime, 60);
	assert_int_equal(c.npeers, 2);
	p = &c.peers[0];
	assert_string_equal(p->name, "v6");
	assert_prefix(&p->remote, "fd00:77::/64");
	assert_null(p->local_id);
	assert_null(p->remote_id);
	assert_int_equal(p->psk_len, 16);
	assert_int_equal(p->psk[0], 0);
	assert_int_equal(p->psk[15], 0x0f);
	assert_proposals(&p->ike.proposals, "chacha20poly1305-prfsha256-ecp256",
	    PROPOSAL_IKE);
	assert_proposals(&p->ike.esp_proposals, "null-sha256", PROPOSAL_ESP);
	assert_int_equal(p->ike.mode, MODE_TRANSPORT);
	assert_int_equal(p->ike.encap, ENCAP_AUTO);
	assert_int_equal(p->ike.lifetime, 86400);
	/* a peer without overrides takes [ike] */
	p = &c.peers[1];
	assert_prefix(&p->remote, "192.0.2.7/32");
	assert_memory_equal(p->psk, "sixteen bytes ok", 16);
	assert_proposals(&p->ike.proposals, "aes256-sha384-ecp384",
	    PROPOSAL_IKE);
	assert_proposals(&p->ike.esp_proposals, "aes256gcm16-modp2048-esn",
	    PROPOSAL_ESP);
	assert_int_equal(p->ike.mode, MODE_TUNNEL);
	assert_int_equal(p->ike.encap, ENCAP_YES);
	assert_int_equal(p->ike.lifetime, 60);
	conf_free(&c);
}

static void
test_peer_before_ike_still_inherits(void **state)
{
	load_ok("[peer.a]\nremote = 10.0.0.0/8\npsk = \"0123456789abcdef\"\n"
	    "[ike]\nmode = tunnel\nlifetime = 120\n");
	assert_int_equal(c.peers[0].ike.mode, MODE_TUNNEL);
	assert_int_equal(c.peers[0].ike.lifetime, 120);
	conf_free(&c);
}

static void
test_unknown_names(void **state)
{
	load_bad("[deamon]\n", 1,
	    "[deamon]: unknown section (did you mean [daemon]?)");
	load_bad("\n[ik]\n", 2, "[ik]: unknown section (did you mean [ike]?)");
	load_bad("[peers.lab]\n", 1,
	    "[peers.lab]: unknown section (did you mean [peer.NAME]?)");
	load_bad("[global]\n", 1, "[global]: unknown section (expected "
	    "[daemon], [ike] or [peer.NAME])");
	load_bad("[peer.]\n", 1, "[peer.]: a peer name has 1 to 64 characters");
	load_bad("[daemon]\nmountpiont = /x\n", 2, "mountpiont: unknown key in "
	    "[daemon] (did you mean mountpoint?)");
	load_bad("[ike]\nesp-proposals = aes128gcm16\n", 2, "esp-proposals: "
	    "unknown key in [ike] (did you mean esp_proposals?)");
	load_bad("[daemon]\nfrobnicate = 1\n", 2,
	    "frobnicate: unknown key in [daemon]");
	load_bad("[daemon]\npsk = \"0123456789abcdef\"\n", 2,
	    "psk: not allowed in [daemon]");
	load_bad("[peer.x]\nudp_ttl = 5\n", 2, "udp_ttl: not allowed in [peer.x]");
}

static void
test_bad_numbers(void **state)
{
	load_bad("[daemon]\nudp_ttl = 0\n", 2,
	    "udp_ttl: '0' is not a number of seconds in 1..86400");
	load_bad("[daemon]\nudp_ttl = 86401\n", 2,
	    "udp_ttl: '86401' is not a number of seconds in 1..86400");
	load_bad("[daemon]\nudp_ttl = 10s\n", 2,
	    "udp_ttl: '10s' is not a number of seconds in 1..86400");
	load_bad("[daemon]\nudp_ttl = -1\n", 2,
	    "udp_ttl: '-1' is not a number of seconds in 1..86400");
	load_bad("[daemon]\nudp_ttl = 99999999999999999999\n", 2,
	    "udp_ttl: '99999999999999999999' is not a number of seconds in "
	    "1..86400");
	load_bad("[ike]\nlifetime = 59\n", 2,
	    "lifetime: '59' is not a number of seconds in 60..86400");
	load_bad("[peer.x]\nlifetime = 86401\n", 2,
	    "lifetime: '86401' is not a number of seconds in 60..86400");
}

static void
test_bad_paths_and_names(void **state)
{
	load_bad("[daemon]\nmountpoint = run/ipsecfs\n", 2,
	    "mountpoint: 'run/ipsecfs' is not an absolute path");
	load_bad("[daemon]\nstatedir = ~/state\n", 2,
	    "statedir: '~/state' is not an absolute path");
	load_bad("[daemon]\nmountpoint = \"/a\tb\"\n", 2,
	    "mountpoint: '/a?b' is not a usable path");
	load_bad("[daemon]\nadmin_group = -wheel\n", 2,
	    "admin_group: '-wheel' is not a group name");
	load_bad("[daemon]\nadmin_group = \"net adm\"\n", 2,
	    "admin_group: 'net adm' is not a group name");
	load_bad("[peer.x]\nlocal_id = \"\x01\"\n", 2, "local_id: '?' is not an "
	    "identity (printable, at most 255 characters)");
}

static void
test_bad_choices(void **state)
{
	load_bad("[daemon]\ndatapath = fast\n", 2,
	    "datapath: 'fast' is not auto, kernel or userspace");
	load_bad("[daemon]\nallow_other = maybe\n", 2,
	    "allow_other: 'maybe' is not yes or no");
	load_bad("[daemon]\nkeep_policies = 1\n", 2,
	    "keep_policies: '1' is not yes or no");
	load_bad("[ike]\nmode = tunel\n", 2,
	    "mode: 'tunel' is not transport or tunnel");
	load_bad("[peer.x]\nencap = no\n", 2, "encap: 'no' is not auto or yes");
	/* choices ignore case */
	load_ok("[daemon]\ndatapath = Kernel\nallow_other = YES\n");
	assert_int_equal(c.datapath, DATAPATH_KERNEL);
	assert_true(c.allow_other);
	conf_free(&c);
}

static void
test_bad_proposals(void **state)
{
	load_bad("[ike]\nproposals = aes128-foo-modp2048\n", 2, "proposals: "
	    "'aes128-foo-modp2048': unknown algorithm 'foo'");
	load_bad("[ike]\nproposals = aes128gcm16-ecp256\n", 2, "proposals: "
	    "'aes128gcm16-ecp256': an AEAD algorithm needs a PRF (e.g. "
	    "prfsha256)");
	load_bad("[peer.x]\n\nesp_proposals = aes128gcm16, aes128\n", 3,
	    "esp_proposals: 'aes128': classic encryption needs an integrity "
	    "algorithm (e.g. sha256)");
	load_bad("[ike]\nesp_proposals = aes128gcm16,\n", 2,
	    "esp_proposals: empty proposal");
}

static void
test_bad_remote(void **state)
{
	load_bad("[peer.x]\nremote = 10.77.0.1/24\n", 2, "remote: "
	    "'10.77.0.1/24' is not an address or prefix (with the host bits "
	    "zero)");
	load_bad("[peer.x]\nremote = lab.example.org\n", 2, "remote: "
	    "'lab.example.org' is not an address or prefix (with the host bits "
	    "zero)");
	load_bad("[peer.a]\nremote = 10.0.0.0/8\npsk = \"0123456789abcdef\"\n"
	    "[peer.b]\nremote = 10.0.0.0/8\npsk = \"0123456789abcdef\"\n", 5,
	    "remote: same as in [peer.a] (line 2)");
}

static void
test_peer_needs_remote_and_psk(void **state)
{
	load_bad("[daemon]\n[peer.lab]\nremote = 10.0.0.1\n", 2,
	    "psk: missing in [peer.lab]");
	load_bad("[peer.lab]\npsk = \"0123456789abcdef\"\n", 1,
	    "remote: missing in [peer.lab]");
}

static void
test_bad_psk(void **state)
{
	load_bad("[peer.x]\nremote = 10.0.0.1\npsk = \"fifteen bytes..\"\n", 3,
	    "psk: shorter than 16 bytes");
	load_bad("[peer.x]\npsk = 0x000102030405060708090a0b0c0d0e\n", 2,
	    "psk: shorter than 16 bytes");
	load_bad("[peer.x]\npsk = 0x000102030405060708090a0b0c0d0e0\n", 2,
	    "psk: odd or zero number of hex digits after 0x");
	load_bad("[peer.x]\npsk = 0x\n", 2,
	    "psk: odd or zero number of hex digits after 0x");
	load_bad("[peer.x]\npsk = 0x000102030405060708090a0b0c0d0e0g\n", 2,
	    "psk: bad hex digit after 0x");
	load_bad("[peer.x]\npsk = a long unquoted secret\n", 2,
	    "psk: must be a quoted string or 0x followed by hex digits");
	/* quoted, "0x..." is text */
	load_ok("[peer.x]\nremote = 10.0.0.1\npsk = \"0x0011223344556677\"\n");
	assert_int_equal(c.peers[0].psk_len, 18);
	conf_free(&c);
}

static void
test_syntax(void **state)
{
	char longline[1200], *big;
	static const char nul[] = "[daemon]\nudp_ttl = 6\0000\n";

	load_bad("[daemon]\nudp_ttl 60\n", 2,
	    "expected 'key = value', '[section]' or a comment");
	load_bad("[daemon\n", 1, "a section header must end with ]");
	load_bad("[daemon] x\n", 1, "text after the section header");
	load_bad("[]\n", 1, "empty section name");
	load_bad("[peer.a b]\n", 1,
	    "bad section name (letters, digits, '.', '-', '_')");
	load_bad("[daemon]\n= 5\n", 2, "missing key name before '='");
	load_bad("[daemon]\nudp ttl = 5\n", 2,
	    "bad key name (letters, digits, '_', '-', '.')");
	load_bad("udp_ttl = 5\n", 1, "udp_ttl: key outside any section");
	load_bad("[daemon]\nudp_ttl = 5\nudp_ttl = 6\n", 3,
	    "udp_ttl: given twice in [daemon] (first on line 2)");
	load_bad("[daemon]\n[ike]\n[Daemon]\n", 3,
	    "[daemon]: section given twice (first on line 1)");
	load_bad("[peer.x]\nremote_id = \"abc\n", 2, "missing closing quote");
	load_bad("[peer.x]\nremote_id = \"abc\"def\n", 2,
	    "text after the closing quote");
	load_bad("[daemon]\nmountpoint = /x \\\n", 2,
	    "a line continues past the end of the file");
	load_bad("[daemon]\nmountpoint =\n", 2,
	    "mountpoint: empty value (leave the key out for the default)");
	load_bad("[peer.x]\nlocal_id = \"\"\n", 2,
	    "local_id: empty value (leave the key out for the default)");
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, "[ike]\n", 6);
	load_bad(longline, 2, "line too long (max 1000 characters)");
	load_bad_len(nul, sizeof(nul) - 1, 0, "contains a NUL byte");
	big = malloc(1024 * 1024 + 1);
	assert_non_null(big);
	memset(big, '\n', 1024 * 1024 + 1);
	load_bad_len(big, 1024 * 1024 + 1, 0, "larger than 1 MiB");
	free(big);
}

/* No message may quote a psk, whatever is wrong around it. */
static void
test_psk_never_in_messages(void **state)
{
	static const char *const bad[] = {
		"[peer.x]\npsk \"SECRET-0123456789\"\n",
		"[peer.x]\npsk = \"SECRET-0123456789\" trailing\n",
		"[peer.x]\npsk = \"SECRET-0123456789\n",
		"[peer.x]\npsk = SECRET-0123456789\n",
		"[peer.x]\npsk = \"SECRET\"\n",
		"[peer.x]\npsk = 0xSECRET0123456789\n",
		"[peer.x]\npks = \"SECRET-0123456789\"\n",
		"[daemon]\npsk = \"SECRET-0123456789\"\n",
		"psk = \"SECRET-0123456789\"\n",
		"[peer.x]\npsk = \"SECRET-0123456789\"\npsk = \"SECRET-2\"\n",
		"[peer.x]\npsk = \"SECRET-0123456789\"\n",
		"[peer.x]\npsk = \\\n\"SECRET-0123456789\"\n[x\n",
		"[peer.x]\nremote = 1.2.3.4\npsk = \"SECRET-0123456789\" \\\n",
		"[peer.x]\n\"SECRET-0123456789\" = psk\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i], strlen(bad[i]));
		err[0] = '\0';
		assert_int_equal(conf_load(&c, path, err, sizeof(err)), -1);
		assert_true(strlen(err) > strlen(path));
		if (strstr(err, "SECRET") != NULL)
			fail_msg("case %zu leaks the psk: %s", i, err);
		conf_free(&c);
	}
}

/* A readable file with peers is loaded, with a warning on stderr that
 * names the file and not the key. */
static void
test_readable_file_warns(void **state)
{
	char out[128], buf[512] = "";
	int fd, saved;
	ssize_t n;

	snprintf(out, sizeof(out), "%s/stderr", dir);
	load_ok("[peer.x]\nremote = 10.0.0.1\npsk = \"SECRET-0123456789\"\n");
	conf_free(&c);
	assert_int_equal(chmod(path, 0644), 0);
	fflush(stderr);
	saved = dup(2);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(out);
	assert_true(n > 0);
	assert_non_null(strstr(buf, path));
	assert_non_null(strstr(buf, "readable by group or others"));
	assert_null(strstr(buf, "SECRET"));
	conf_free(&c);
	assert_int_equal(chmod(path, 0600), 0);
}

/* How iniparser 4.1 reads values (docs/configuration.md). */
static void
test_iniparser_rules(void **state)
{
	load_ok("[DAEMON]\r\n"
	    "UDP_TTL = 30 ; inline comment\r\n"
	    "Mountpoint = /run/x#y\r\n"
	    "[peer.Lab] # comment\n"
	    "remote = 10.1.0.0/16\n"
	    "psk = \"has ; and # inside\" ; comment\n"
	    "remote_id = '  spaced  '\n"
	    "[ike]\n"
	    "esp_proposals = aes128gcm16, \\\n"
	    "    aes128-sha1\n");
	assert_int_equal(c.udp_ttl, 30);
	assert_string_equal(c.mountpoint, "/run/x");
	assert_string_equal(c.peers[0].name, "lab");
	assert_int_equal(c.peers[0].psk_len, 18);
	assert_memory_equal(c.peers[0].psk, "has ; and # inside", 18);
	assert_string_equal(c.peers[0].remote_id, "  spaced  ");
	assert_proposals(&c.peers[0].ike.esp_proposals,
	    "aes128gcm16, aes128-sha1", PROPOSAL_ESP);
	conf_free(&c);
	/* a comment ending in a backslash swallows the next line */
	load_ok("[daemon]\n; note \\\nudp_ttl = 5\n");
	assert_int_equal(c.udp_ttl, 60);
	conf_free(&c);
}

static void
test_find_peer(void **state)
{
	static const struct { const char *addr, *peer; } q[] = {
		{ "10.9.9.9", "wide" },
		{ "10.1.9.9", "lab" },
		{ "10.1.2.3", "host" },
		{ "10.1.2.4", "lab" },
		{ "192.0.2.1", NULL },
		{ "fd00::1", "v6" },
		{ "fd00:1::1", "v6net" },
		{ "2001:db8::1", NULL },
	};
	const struct peer_conf *p;
	struct ipaddr a;
	size_t i;

	load_ok("[peer.lab]\nremote = 10.1.0.0/16\npsk = \"0123456789abcdef\"\n"
	    "[peer.wide]\nremote = 10.0.0.0/8\npsk = \"0123456789abcdef\"\n"
	    "[peer.host]\nremote = 10.1.2.3\npsk = \"0123456789abcdef\"\n"
	    "[peer.v6net]\nremote = fd00::/16\npsk = \"0123456789abcdef\"\n"
	    "[peer.v6]\nremote = fd00::/64\npsk = \"0123456789abcdef\"\n");
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		assert_int_equal(ipaddr_parse(q[i].addr, &a), 0);
		p = conf_find_peer(&c, &a);
		if (q[i].peer == NULL)
			assert_null(p);
		else if (p == NULL || strcmp(p->name, q[i].peer) != 0)
			fail_msg("%s: got %s, want %s", q[i].addr,
			    p ? p->name : "none", q[i].peer);
	}
	conf_free(&c);
	/* 0.0.0.0/0 catches what nothing else holds, and only IPv4 */
	load_ok("[peer.any]\nremote = 0.0.0.0/0\npsk = \"0123456789abcdef\"\n"
	    "[peer.lab]\nremote = 10.1.0.0/16\npsk = \"0123456789abcdef\"\n");
	assert_int_equal(ipaddr_parse("192.0.2.1", &a), 0);
	assert_string_equal(conf_find_peer(&c, &a)->name, "any");
	assert_int_equal(ipaddr_parse("10.1.0.1", &a), 0);
	assert_string_equal(conf_find_peer(&c, &a)->name, "lab");
	assert_int_equal(ipaddr_parse("::1", &a), 0);
	assert_null(conf_find_peer(&c, &a));
	conf_free(&c);
}

/* contrib/ipsecfs.conf changes nothing as shipped; with every '#'
 * setting uncommented it sets every key. */
static void
test_contrib_example(void **state)
{
	const char *top = getenv("top_srcdir");
	char file[4096], line[1024];
	size_t len = 0, n;
	char *text;
	FILE *f;

	snprintf(file, sizeof(file), "%s/contrib/ipsecfs.conf", top ? top : "..");
	if ((f = fopen(file, "r")) == NULL)
		fail_msg("%s: %s (set top_srcdir)", file, strerror(errno));
	text = calloc(1, 65536);
	assert_non_null(text);
	while (fgets(line, sizeof(line), f)) {
		n = strlen(line);
		assert_true(len + n < 65536);
		memcpy(text + len, line, n);
		len += n;
	}
	fclose(f);
	load_ok(text);
	assert_design_defaults(&c);
	assert_int_equal(c.npeers, 0);
	conf_free(&c);
	/* uncomment: drop each '#' that starts a line */
	for (n = 0; n < len; n++)
		if (text[n] == '#' && (n == 0 || text[n - 1] == '\n'))
			text[n] = ' ';
	load_ok(text);
	free(text);
	assert_string_equal(c.admin_group, "ipsecfs");
	assert_int_equal(c.npeers, 2);
	assert_string_equal(c.peers[0].name, "lab");
	assert_string_equal(c.peers[0].local_id, "10.77.0.1");
	assert_string_equal(c.peers[0].remote_id, "10.77.0.2");
	assert_int_equal(c.peers[0].ike.mode, MODE_TRANSPORT);
	assert_string_equal(c.peers[1].name, "gateway");
	assert_int_equal(c.peers[1].psk_len, 24);
	assert_int_equal(c.peers[1].ike.mode, MODE_TUNNEL);
	assert_int_equal(c.peers[1].ike.encap, ENCAP_YES);
	assert_int_equal(c.peers[1].ike.lifetime, 1800);
	assert_proposals(&c.peers[1].ike.esp_proposals, "aes256gcm16-ecp384",
	    PROPOSAL_ESP);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_named_file_must_exist),
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_peer_before_ike_still_inherits),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_bad_paths_and_names),
		cmocka_unit_test(test_bad_choices),
		cmocka_unit_test(test_bad_proposals),
		cmocka_unit_test(test_bad_remote),
		cmocka_unit_test(test_peer_needs_remote_and_psk),
		cmocka_unit_test(test_bad_psk),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_psk_never_in_messages),
		cmocka_unit_test(test_readable_file_warns),
		cmocka_unit_test(test_iniparser_rules),
		cmocka_unit_test(test_find_peer),
		cmocka_unit_test(test_contrib_example),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
