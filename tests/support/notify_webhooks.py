"""A real HTTP receiver for webhooks on 127.0.0.1, in a thread of the test process.

It answers 500 while `failing` (or for the next `fail_next` requests), sleeps `delay`
seconds before answering when asked to (to provoke timeouts), and keeps every request.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from services.notify.domain import verify_signature


class WebhookReceiver:
    def __init__(self, secret):
        self.secret = secret
        self.requests = []
        self.failing = False
        self.fail_next = 0
        self.delay = 0.0
        self.arrived = 0  # requests begun (counted before any delay)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.arrived += 1
                    fail = receiver.failing or receiver.fail_next > 0
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                    delay = receiver.delay
                if delay:
                    threading.Event().wait(delay)  # a slow receiver
                status = 500 if fail else 204
                receiver.requests.append({"headers": dict(self.headers), "body": body,
                                          "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d/hooks/culture-matrix" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def accepted(self, event_type=None):
        """Bodies (decoded) of the requests answered 2xx."""
        return [json.loads(r["body"]) for r in self.requests if r["status"] < 300
                and (event_type is None or r["headers"].get("X-CM-Event") == event_type)]

    def is_signed(self, request):
        headers = request["headers"]
        return verify_signature(self.secret, headers["X-CM-Timestamp"], request["body"],
                                headers["X-CM-Signature"])

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
