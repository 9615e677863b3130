"""nameko's @http, with the HTTP boundary held once for every entrypoint of a process.

- TCP_NODELAY on every connection. Without it a response bigger than one segment waits
  for the client's delayed ACK: a 50-item list answered in 56 ms instead of 8
  (bench/lists.py).
- Everything outside the routes answers the API's JSON error body
  {"error": {"code", "message", "details"}}: an unknown path (404), an undeclared method
  (405 with `Allow`), an over-long request line (414) or header (431), a request line or
  header block eventlet cannot parse (400), an exception in a plain @http worker (500).
  werkzeug's HTML pages and eventlet's empty or plain-text refusals never reach a client.
- Every answer carries `X-Request-ID`: the client's when it is a sane id
  (REQUEST_ID: at most 128 of [A-Za-z0-9._:-]), else a new one; entrypoints read it as
  `request.request_id`.
- A process whose entrypoints define `localise(request, response)` (the gateway's routes)
  gets every JSON error answer handed to it before it leaves: one place for the language
  of the messages.

Every HTTP entrypoint of ours uses this server, so they all share one listener per process.
"""
import json
import logging
import re
import socket
import uuid

from eventlet import wsgi
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect
from werkzeug.wrappers import Request, Response

log = logging.getLogger(__name__)

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# The limits of a request's head, explicit: eventlet refuses past them (its constants; a
# line of MAX_HEADER_LINE bytes or more, or a head over MAX_HEADERS in all), and we answer
# the refusal as JSON. An 8 KiB header holds any bearer token an identity provider issues.
MAX_REQUEST_LINE = wsgi.MAX_REQUEST_LINE
MAX_HEADER_LINE = wsgi.MAX_HEADER_LINE
MAX_HEADERS = wsgi.MAX_TOTAL_HEADER_SIZE
# a rule catching every path is this server's job (404/405 below); such a route would
# answer undeclared methods on known paths with a 404 instead of a 405
CATCH_ALL = "/<path:path>"


def request_id_of(headers):
    """The client's X-Request-ID when it is a sane id, else a new one."""
    given = headers.get("X-Request-ID")
    if given and REQUEST_ID.match(given):
        return given
    return str(uuid.uuid4())


def error_response(status, code, message, details=None, headers=None):
    """The API's error body (messages in English; the gateway localises them)."""
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers=headers,
                    mimetype="application/json")


def is_error_body(response):
    return response.status_code >= 400 and response.mimetype == "application/json"


class JsonWsgiApp(WsgiApp):
    def __init__(self, server):
        super().__init__(server)
        self.localisers = [provider.localise for provider in server._providers
                           if callable(getattr(provider, "localise", None))]

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        request.request_id = request_id_of(request.headers)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or ()))
            response = error_response(405, "METHOD_NOT_ALLOWED",
                                      "method %s is not allowed here" % request.method,
                                      {"allowed": sorted(exc.valid_methods or ())},
                                      headers={"Allow": allowed})
        except NotFound:
            response = error_response(404, "NOT_FOUND", "no such route: %s" % request.path)
        except RequestRedirect as exc:  # e.g. merged slashes: a redirect, not an error
            response = exc.get_response(environ)
        except HTTPException as exc:
            response = error_response(exc.code or 400, "BAD_REQUEST", "bad request")
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            response = error_response(500, "INTERNAL", "internal error")
        response = self.finish(request, response)
        return response(environ, start_response)

    def finish(self, request, response):
        if is_error_body(response):
            for localise in self.localisers:
                response = localise(request, response)
        response.headers["X-Request-ID"] = request.request_id
        return response

    def refusal(self, status, code, message):
        """The bytes of a JSON error for a request refused before it could be parsed."""
        request = Request({"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "-",
                           "SERVER_PORT": "0", "wsgi.url_scheme": "http"})
        request.request_id = str(uuid.uuid4())
        response = self.finish(request, error_response(status, code, message))
        body = response.get_data()
        head = ["HTTP/1.1 %d %s" % (status, response.status.split(" ", 1)[1]),
                "Connection: close", "Content-Length: %d" % len(body)]
        head += ["%s: %s" % item for item in response.headers.items()
                 if item[0].lower() != "content-length"]
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class JsonRefusalProtocol(HttpOnlyProtocol):
    """eventlet's protocol, whose refusals of a malformed or over-long head are JSON."""

    def _refuse(self, status, code, message):
        self.wfile.write(self.server.app.refusal(status, code, message))
        self.close_connection = 1

    def _read_request_line(self):
        line = super()._read_request_line()
        if len(line) >= self.server.url_length_limit:
            self._refuse(414, "URI_TOO_LONG",
                         "the request line is over %d bytes" % (MAX_REQUEST_LINE - 1))
            return ""  # eventlet closes the connection on an empty line
        return line

    def parse_request(self):
        try:
            if not super().parse_request():
                return False
        except wsgi.HeaderLineTooLong:
            self._refuse(431, "HEADERS_TOO_LARGE",
                         "a request header is over %d bytes" % (MAX_HEADER_LINE - 1))
            return False
        except wsgi.HeadersTooLarge:
            self._refuse(431, "HEADERS_TOO_LARGE",
                         "the request headers are over %d bytes" % MAX_HEADERS)
            return False
        length = self.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                self._refuse(400, "BAD_REQUEST", "Content-Length is not a whole number")
                return False
            if self.headers.get("transfer-encoding") is not None:
                self._refuse(400, "BAD_REQUEST",
                             "Content-Length and Transfer-Encoding are not allowed together")
                return False
        return True

    def send_error(self, code, message=None, explain=None):
        """What http.server answers a request line it cannot parse with (HTML otherwise);
        the client's fault, so a 4xx (http.server says 505 to an unknown HTTP version)."""
        self._refuse(code if 400 <= code < 500 else 400, "BAD_REQUEST",
                     "the request line or headers are malformed")


class NoDelayWebServer(WebServer):
    def process_request(self, sock, address):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # already gone; the request fails on its own
            pass
        return super().process_request(sock, address)

    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=JsonRefusalProtocol, debug=False):
        return super().get_wsgi_server(sock, wsgi_app, protocol=protocol, debug=debug)

    def make_url_map(self):
        url_map = Map(merge_slashes=False)  # "//x" is an unknown path, not a redirect
        for provider in self._providers:
            rule = provider.get_url_rule()
            if rule.rule == CATCH_ALL:
                continue
            rule.endpoint = provider
            url_map.add(rule)
        return url_map


class Http(HttpRequestHandler):
    server = NoDelayWebServer()

    def response_from_exception(self, exc):
        """A plain @http worker that raised: the JSON error body, never a text page."""
        if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
            return error_response(exc.code, "NOT_FOUND" if exc.code == 404 else "BAD_REQUEST",
                                  exc.description or "bad request")
        log.error("unhandled error in an HTTP worker: %r", exc)
        return error_response(500, "INTERNAL", "internal error")


http = Http.decorator
