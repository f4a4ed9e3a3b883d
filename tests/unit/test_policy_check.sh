#!/bin/sh
# ipsecfs --check on good and bad policy files: canonical form on stdout,
# FILE:LINE:COL: reason on stderr, exit status 1 on any error. Needs no
# root; skips (77) when the ipsecfs binary is not built.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IPSECFS" ] || skip "no ipsecfs binary at $IPSECFS"
POL=$top_srcdir/contrib/policies
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ipsecfs-check.XXXXXX") || fail "mktemp"
at_exit "rm -rf '$DIR'"

# run FILE...: sets OUT, ERR, RC
run() {
	"$IPSECFS" --check "$@" >"$DIR/out" 2>"$DIR/err"
	RC=$?
	OUT=$(cat "$DIR/out")
	ERR=$(cat "$DIR/err")
}

run "$POL/vsftpd.policy"
expect_eq "good file: exit 0" "$RC" 0
expect_eq "good file: no errors" "$ERR" ""
expect_eq "good file: canonical form" "$OUT" "application vsftpd
{
    network 2.2.2.0/24 trusted;
    network 0.0.0.0/0 protected P1;
    protection P1 {
        localport=21 remoteport=any encryption optional;
        localport=any remoteport=any authentication optional;
    }
}"

for f in "$POL"/*.policy; do
	run "$f"
	expect_eq "$(basename "$f"): exit 0" "$RC" 0
	printf '%s\n' "$OUT" >"$DIR/canon"
	first=$OUT
	run "$DIR/canon"
	expect_eq "$(basename "$f"): canonical form is stable" "$OUT" "$first"
	run - <"$DIR/canon"
	expect_eq "$(basename "$f"): from stdin" "$OUT" "$first"
done

printf 'application x {\n  network 1.2.3.4 trussted;\n}\n' >"$DIR/bad.policy"
run "$DIR/bad.policy"
expect_eq "bad file: exit 1" "$RC" 1
expect_eq "bad file: nothing on stdout" "$OUT" ""
expect_eq "bad file: FILE:LINE:COL: reason" "$ERR" \
	"$DIR/bad.policy:2:19: expected 'trusted', 'untrusted' or 'protected', found 'trussted'"

printf 'application x {\n network 1.2.3.4 protected P1;\n}\n' >"$DIR/undef.policy"
run "$POL/ftp.policy" "$DIR/undef.policy" "$DIR/missing.policy"
expect_eq "good and bad: exit 1" "$RC" 1
expect_eq "good and bad: errors of each bad file" "$ERR" \
"$DIR/undef.policy:2:28: undefined protection 'P1'
$DIR/missing.policy:0:0: No such file or directory"
expect_eq "good and bad: the good one printed, with its name" \
	"$(printf '%s\n' "$OUT" | head -2)" "# $POL/ftp.policy
application ftp"

truncate -s 10M "$DIR/big.policy"
run "$DIR/big.policy"
expect_eq "10 MB file: exit 1" "$RC" 1
expect_eq "10 MB file: error" "$ERR" \
	"$DIR/big.policy:0:0: policy text is 10485760 bytes, over the limit of 1048576"

# an endless stream is read only up to the limit
run /dev/zero
expect_eq "endless input: exit 1" "$RC" 1
expect_eq "endless input: error" "$ERR" \
	"/dev/zero:0:0: policy text is over the limit of 1048576 bytes"

printf 'application x { network 1.2.3.4 trusted; \001 }' >"$DIR/junk.policy"
run "$DIR/junk.policy"
expect_eq "control byte: error" "$ERR" "$DIR/junk.policy:1:42: unexpected byte 0x01"

run "$DIR"
expect_eq "directory: exit 1" "$RC" 1
expect_eq "directory: error" "$ERR" "$DIR:0:0: is a directory"
