"""nameko's @http, with TCP_NODELAY on every connection.

Without it a response bigger than one segment waits for the client's delayed ACK: a
50-item list answered in 56 ms instead of 8 (bench/lists.py). Every HTTP entrypoint of
ours uses this server, so they all share one listener per process.
"""
import socket

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer


class NoDelayWebServer(WebServer):
    def process_request(self, sock, address):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # already gone; the request fails on its own
            pass
        return super().process_request(sock, address)


class Http(HttpRequestHandler):
    server = NoDelayWebServer()


http = Http.decorator
