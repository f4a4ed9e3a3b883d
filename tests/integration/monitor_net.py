"""Socket programs for the monitor tests. Each prints what the test needs
to predict its events exactly (its pid, its local port) and closes every
socket explicitly, so the event order of one process is fixed.

  monitor_net.py tcp-server ADDR PORT [N]   accept N connections, echo
  monitor_net.py tcp-client ADDR PORT       connect, send, receive, close
  monitor_net.py udp-server ADDR PORT       one datagram, answer, close
  monitor_net.py udp-client ADDR PORT       send, receive, close
  monitor_net.py fork-client ADDR PORT N    N children each connect
  monitor_net.py thread-client ADDR PORT N  N threads each connect
  monitor_net.py slow-client ADDR PORT      wait for a line on stdin, connect
  monitor_net.py try-connect ADDR PORT      connect; print ok or the errno
  monitor_net.py divergent-client ADDR PORT like slow-client, but two of its
                                            threads have seccomp filters of
                                            their own (no TSYNC filter fits)
  monitor_net.py share-client ADDR PORT     connect, fork (child closes its
                                            copy), dup, close both
  monitor_net.py exec-client ADDR PORT EXE  exec EXE running tcp-client
  monitor_net.py thread-exec ADDR PORT EXE  three threads sleep, a fourth
                                            execs EXE running try-connect
  monitor_net.py leader-exec ADDR PORT EXE  three threads sleep, the main
                                            one execs EXE running try-connect
  monitor_net.py crowd-exec ADDR PORT EXE N N threads start and wait; after
                                            a byte on stdin and 0-3 ms, one
                                            more execs EXE running slow-client
  monitor_net.py spawn-client ADDR PORT     run /bin/true (vfork), connect
  monitor_net.py signal-server ADDR PORT    tcp-server counting SIGUSR1s
  monitor_net.py ftp-server ADDR PORT DATAPORT DIR   pyftpdlib, passive
  monitor_net.py ftp-client ADDR PORT FILE  ftplib: fetch FILE (passive)
  monitor_net.py uring-client ADDR PORT     make an io_uring, wait for a
                                            line on stdin, try a second one
"""
import os
import socket
import sys
import threading


def family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def say(*words):
    # one write(2) per line: forked children share the output's offset
    os.write(1, (' '.join(map(str, words)) + '\n').encode())


def tcp_server(addr, port, n=1):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(128)
    say('listening', os.getpid())
    for _ in range(n):
        c, peer = s.accept()
        data = c.recv(100)
        c.sendall(data)
        c.close()
        say('served', peer[1])
    s.close()


def tcp_connect(addr, port):
    c = socket.socket(family(addr), socket.SOCK_STREAM)
    c.connect((addr, port))
    lport = c.getsockname()[1]
    c.sendall(b'hello')
    if c.recv(100) != b'hello':
        sys.exit('bad echo')
    c.close()
    return lport


def udp_server(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    say('listening', os.getpid())
    data, peer = s.recvfrom(100)
    s.sendto(data, peer)
    s.close()
    say('served', peer[1])


def udp_client(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(10)
    s.sendto(b'ping', (addr, port))
    lport = s.getsockname()[1]
    data, _ = s.recvfrom(100)
    if data != b'ping':
        sys.exit('bad answer')
    s.close()
    say('client', os.getpid(), lport)


def fork_client(addr, port, n):
    pids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            lport = tcp_connect(addr, port)
            say('child', os.getpid(), lport)
            os._exit(0)
        pids.append(pid)
    bad = 0
    for pid in pids:
        _, st = os.waitpid(pid, 0)
        bad += st != 0
    say('parent', os.getpid(), bad)
    sys.exit(1 if bad else 0)


def thread_client(addr, port, n):
    ports, lock = [], threading.Lock()

    def one():
        p = tcp_connect(addr, port)
        with lock:
            ports.append(p)
    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    say('client', os.getpid(), *sorted(ports))
    sys.exit(0 if len(ports) == n else 1)


def slow_client(addr, port):
    say('started', os.getpid())
    sys.stdin.readline()
    lport = tcp_connect(addr, port)
    say('client', os.getpid(), lport)


def signal_server(addr, port):
    import signal
    got = []
    signal.signal(signal.SIGUSR1, lambda *a: got.append(1))
    tcp_server(addr, port)
    say('usr1', len(got))


def share_client(addr, port):
    c = socket.socket(family(addr), socket.SOCK_STREAM)
    c.connect((addr, port))
    lport = c.getsockname()[1]
    pid = os.fork()
    if pid == 0:
        c.close()
        os._exit(0)
    os.waitpid(pid, 0)
    fd = os.dup(c.fileno())
    c.sendall(b'hello')
    c.recv(100)
    c.close()
    # the monitor reports synchronously: a CLOSE would be logged by now
    log = open(os.environ['EVLOG']).read() if 'EVLOG' in os.environ else ''
    say('closes-before-last', log.count('close pid=%d ' % os.getpid()))
    os.close(fd)
    say('client', os.getpid(), lport, pid)


def divergent_client(addr, port):
    import ctypes
    import struct
    libc = ctypes.CDLL(None, use_errno=True)
    ready, done, ok = threading.Event(), threading.Event(), []

    def own_filter():
        # one instruction: return SECCOMP_RET_ALLOW
        insn = ctypes.create_string_buffer(struct.pack('HBBI', 0x06, 0, 0, 0x7fff0000))
        prog = ctypes.create_string_buffer(struct.pack('HxxxxxxQ', 1, ctypes.addressof(insn)))
        libc.prctl(38, 1, 0, 0, 0)
        ok.append(libc.syscall(ctypes.c_long(317), ctypes.c_long(1), ctypes.c_long(0), prog) == 0)
        ready.set()
        done.wait()
    t = threading.Thread(target=own_filter)
    t.start()
    ready.wait()
    ready.clear()
    # and one of the main thread's own: neither thread's filter is an
    # ancestor of the other's, so no thread can TSYNC a filter onto both
    insn = ctypes.create_string_buffer(struct.pack('HBBI', 0x06, 0, 0, 0x7fff0000))
    prog = ctypes.create_string_buffer(struct.pack('HxxxxxxQ', 1, ctypes.addressof(insn)))
    libc.prctl(38, 1, 0, 0, 0)
    ok.append(libc.syscall(ctypes.c_long(317), ctypes.c_long(1), ctypes.c_long(0), prog) == 0)
    if not all(ok):
        sys.exit('cannot install a filter')
    slow_client(addr, port)
    done.set()
    t.join()


def try_connect(addr, port):
    c = socket.socket(family(addr), socket.SOCK_STREAM)
    try:
        c.connect((addr, port))
        say('ok', os.getpid())
    except OSError as e:
        say('errno', e.errno, os.getpid())
    c.close()


def ftp_server(addr, port, dport, root):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer
    import logging
    logging.disable(logging.CRITICAL)
    auth = DummyAuthorizer()
    auth.add_anonymous(root)
    handler = FTPHandler
    handler.authorizer = auth
    handler.passive_ports = [dport]
    server = FTPServer((addr, port), handler)
    say('listening', os.getpid())
    server.serve_forever(timeout=1)


def ftp_client(addr, port, name):
    import ftplib
    ftp = ftplib.FTP()
    ftp.connect(addr, port, timeout=10)
    cport = ftp.sock.getsockname()[1]
    ftp.login()
    ftp.voidcmd('TYPE I')
    conn = ftp.transfercmd('RETR ' + name)
    dport = conn.getsockname()[1]
    data = b''
    while True:
        chunk = conn.recv(8192)
        if not chunk:
            break
        data += chunk
    conn.close()
    ftp.voidresp()
    ftp.quit()
    ftp.close()
    say('client', os.getpid(), cport, dport, len(data))


def io_uring_setup():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)   # struct io_uring_params
    fd = libc.syscall(425, 4, params)
    return fd if fd >= 0 else -ctypes.get_errno()


def uring_client():
    say('started', os.getpid(), 'ring', io_uring_setup())
    sys.stdin.readline()
    say('second', os.getpid(), 'ring', io_uring_setup())


def exec_among_threads(addr, port, exe, from_main):
    import time
    for _ in range(3):
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()

    def run():
        os.execv(exe, [exe, __file__, 'try-connect', addr, str(port)])
    if from_main:
        run()
    threading.Thread(target=run).start()
    time.sleep(30)


def crowd_exec(addr, port, exe, n):
    import time
    hold = threading.Event()
    for _ in range(n):
        threading.Thread(target=hold.wait, daemon=True).start()
    os.read(0, 1)
    time.sleep(int.from_bytes(os.urandom(1), 'little') / 80000)
    threading.Thread(target=os.execv, args=(exe, [
        exe, __file__, 'slow-client', addr, str(port)])).start()
    time.sleep(30)


def main():
    cmd, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4].isdigit() else 1
    if cmd == 'tcp-server':
        tcp_server(addr, port, n)
    elif cmd == 'tcp-client':
        say('client', os.getpid(), tcp_connect(addr, port))
    elif cmd == 'udp-server':
        udp_server(addr, port)
    elif cmd == 'udp-client':
        udp_client(addr, port)
    elif cmd == 'fork-client':
        fork_client(addr, port, n)
    elif cmd == 'thread-client':
        thread_client(addr, port, n)
    elif cmd == 'signal-server':
        signal_server(addr, port)
    elif cmd == 'share-client':
        share_client(addr, port)
    elif cmd == 'divergent-client':
        divergent_client(addr, port)
    elif cmd == 'try-connect':
        try_connect(addr, port)
    elif cmd == 'spawn-client':
        import subprocess
        subprocess.run(['/bin/true'], check=True)
        say('client', os.getpid(), tcp_connect(addr, port))
    elif cmd in ('thread-exec', 'leader-exec'):
        exec_among_threads(addr, port, sys.argv[4], cmd == 'leader-exec')
    elif cmd == 'crowd-exec':
        crowd_exec(addr, port, sys.argv[4], int(sys.argv[5]))
    elif cmd == 'exec-client':
        exe = sys.argv[4]
        os.execv(exe, [exe, __file__, 'tcp-client', sys.argv[2], sys.argv[3]])
    elif cmd == 'ftp-server':
        ftp_server(addr, port, n, sys.argv[5])
    elif cmd == 'ftp-client':
        ftp_client(addr, port, sys.argv[4])
    elif cmd == 'slow-client':
        slow_client(addr, port)
    elif cmd == 'uring-client':
        uring_client()
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
