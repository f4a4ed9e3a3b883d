#!/usr/bin/env python3
"""One TCP connection carrying a file each way at a steady rate.

  bulk.py listen  ADDR PORT              SEND RECV RATE
  bulk.py connect LADDR LPORT RADDR RPORT SEND RECV RATE

Sends the file SEND, paced to RATE bytes/s, then shuts its side down;
meanwhile writes what arrives to RECV as it comes (the test watches its
size) until the peer shuts down. Prints one line:

  sent=BYTES received=BYTES secs=S max_gap=S

max_gap: the longest wait between two arrivals of data, the first byte
to the last (a stall, e.g. packets lost while an SA is replaced, shows
up there). Exits 1 on a timeout or a reset."""
import os
import socket
import sys
import threading
import time

CHUNK = 16384
TIMEOUT = 20


def send_paced(sock, path, rate, out):
    sent = 0
    t0 = time.monotonic()
    with open(path, "rb") as f:
        while True:
            buf = f.read(CHUNK)
            if not buf:
                break
            sock.sendall(buf)
            sent += len(buf)
            ahead = t0 + sent / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    sock.shutdown(socket.SHUT_WR)
    out["sent"] = sent


def receive(sock, path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    got, gap, first, last = 0, 0.0, None, None
    try:
        while True:
            buf = sock.recv(65536)
            now = time.monotonic()
            if not buf:
                break
            if last is not None:
                gap = max(gap, now - last)
            if first is None:
                first = now
            last = now
            os.write(fd, buf)
            got += len(buf)
    finally:
        os.close(fd)
    return got, gap, (last - first) if first is not None else 0.0


def main(argv):
    if len(argv) == 7 and argv[1] == "listen":
        _, _, addr, port, send, recv, rate = argv
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, int(port)))
        ls.listen(1)
        ls.settimeout(TIMEOUT * 3)
        sock, _ = ls.accept()
        ls.close()
    elif len(argv) == 9 and argv[1] == "connect":
        _, _, laddr, lport, raddr, rport, send, recv, rate = argv
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.settimeout(TIMEOUT)
        sock.bind((laddr, int(lport)))
        sock.connect((raddr, int(rport)))
    else:
        sys.exit(__doc__)
    sock.settimeout(TIMEOUT)
    out = {}
    t = threading.Thread(target=send_paced,
                         args=(sock, send, float(rate), out), daemon=True)
    t.start()
    got, gap, secs = receive(sock, recv)
    t.join(TIMEOUT)
    sock.close()
    if "sent" not in out:
        sys.exit("bulk.py: sending did not finish")
    print("sent=%d received=%d secs=%.2f max_gap=%.3f"
          % (out["sent"], got, secs, gap))


if __name__ == "__main__":
    try:
        main(sys.argv)
    except OSError as e:
        sys.exit("bulk.py: %s" % e)
