"""A TCP proxy in a process of its own: `python tests/support/tcp_proxy.py LISTEN TARGET`
forwards 127.0.0.1:LISTEN to 127.0.0.1:TARGET, one pair of threads per connection.

Its own process, so it works the same whether the test process is eventlet-patched or
not, and so that killing it drops every connection through it at once, as a failover
does: the kernel closes the sockets, each client reads EOF or a reset.
`ProxyProcess` runs and restarts it from a test (tests/support/pg_pair.py)."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

CHUNK = 65536


def _pump(source, sink):
    """Copy one direction until either side ends, then end both (no half-open pairs)."""
    try:
        while True:
            data = source.recv(CHUNK)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _serve_one(client, target_port):
    try:
        upstream = socket.create_connection(("127.0.0.1", target_port), timeout=10)
        upstream.settimeout(None)
    except OSError:
        client.close()  # nobody at the target: the client sees its connection end
        return
    for source, sink in ((client, upstream), (upstream, client)):
        threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def serve(listen_port, target_port):
    listener = socket.socket()
    # a new proxy takes the port back at once after the old one was killed
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", listen_port))
    listener.listen(128)
    print("listening %d -> %d" % (listen_port, target_port), flush=True)
    while True:
        client, _ = listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _serve_one(client, target_port)


class ProxyProcess:
    """The proxy subprocess as seen from a test: start, kill (every connection drops),
    start again towards another port on the same listening port."""

    def __init__(self, listen_port, target_port, log_path=None):
        self.listen_port = listen_port
        self.target_port = target_port
        self.log_path = log_path
        self.process = None

    def start(self, timeout=10.0):
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), str(self.listen_port),
                 str(self.target_port)], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        finally:
            if self.log_path:
                log.close()
        self._wait_accepting(timeout)
        return self

    def kill(self):
        """SIGKILL, and reap it: when this returns, its connections are gone."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def retarget(self, target_port):
        self.kill()
        self.target_port = target_port
        return self.start()

    def _wait_accepting(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError("tcp_proxy exited with %s" % self.process.returncode)
            try:
                # a bare connect: accepted by the listener, then closed at once
                socket.create_connection(("127.0.0.1", self.listen_port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.02)  # deadline-bounded poll for the port to accept


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
