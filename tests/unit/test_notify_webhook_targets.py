"""Webhook targets (issue 16): the allow list names host and port, and a delivery connects
to the address that was checked, with no second name lookup (DNS rebinding); Host, SNI
and the certificate check stay on the URL's name."""
import datetime
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.common.settings import load_settings
from services.notify import channels
from services.notify.channels import DeliveryError, check_target

REAL_GETADDRINFO = socket.getaddrinfo


class Resolver:
    """Answers names from a table, the first lookup of a name from `first`, every later
    one from `later` (a rebinding DNS server); addresses pass through to the real one."""

    def __init__(self, first, later=None):
        self.first, self.later = first, later or first
        self.lookups = {}

    def __call__(self, host, port, *args, **kwargs):
        if host in self.first:
            seen = self.lookups.get(host, 0)
            self.lookups[host] = seen + 1
            host = (self.first if seen == 0 else self.later)[host]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)


@pytest.fixture
def resolver(monkeypatch):
    def install(first, later=None):
        stub = Resolver(first, later)
        monkeypatch.setattr(socket, "getaddrinfo", stub)
        return stub
    return install


class Receiver:
    """An HTTP(S) server on one loopback address that keeps what reached it."""

    def __init__(self, address, port=0, context=None):
        self.requests, self.server_names = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"host": self.headers["Host"], "path": self.path,
                                          "body": body})
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((address, port), Handler)
        self.server.daemon_threads = True
        if context is not None:
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def settings(*allow):
    return load_settings({"CM_WEBHOOK_ALLOW_HOSTS": ",".join(allow),
                          "CM_WEBHOOK_TIMEOUT_SECONDS": "2"})


def send(url, *allow):
    return channels.send_webhook(settings(*allow), url, "webhook-secret-0123456789",
                                 b'{"event_type":"subsidy_paid"}', {"X-CM-Event": "subsidy_paid"})


def refused(url, allow):
    with pytest.raises(DeliveryError) as caught:
        check_target(url, allow)
    assert caught.value.permanent and "not a public address" in caught.value.reason
    return caught.value


# the allow list names host and port ---------------------------------------------------
def test_allow_entries_are_host_and_port_and_a_bare_host_is_its_default_port():
    assert channels.parse_allow_entry("127.0.0.1:9000") == ("127.0.0.1", 9000)
    assert channels.parse_allow_entry("Hooks.Local.:8443") == ("hooks.local", 8443)
    assert channels.parse_allow_entry("[::1]:9000") == ("::1", 9000)
    assert channels.parse_allow_entry("hooks.local") == ("hooks.local", None)
    for bad in ("hooks.local:", "hooks.local:http", "127.0.0.1:0", "127.0.0.1:70000",
                "[::1]9000", ":9000"):
        with pytest.raises(ValueError):
            channels.parse_allow_entry(bad)


def test_a_name_on_a_private_address_is_refused_unless_allowed_with_its_port(resolver):
    resolver({"hooks.test": "10.1.2.3"})
    url = "http://hooks.test:9000/x"
    refused(url, [])
    refused(url, ["hooks.test"])  # a bare host no longer allows every port
    refused(url, ["hooks.test:9001", "10.1.2.3:9001"])
    assert check_target(url, ["hooks.test:9000"]).addresses == ["10.1.2.3"]
    assert check_target(url, ["10.1.2.3:9000"]).addresses == ["10.1.2.3"]  # or its address
    assert check_target("http://hooks.test/x", ["hooks.test"]).port == 80
    refused("https://hooks.test/x", ["hooks.test:80"])
    assert check_target("https://hooks.test/x", ["hooks.test"]).port == 443


def test_an_allowed_host_on_another_port_is_refused():
    refused("http://127.0.0.1:8080/x", ["127.0.0.1:9000"])
    refused("http://127.0.0.1:8080/x", ["127.0.0.1"])
    refused("http://[::1]:8080/x", ["[::1]:9000", "::1"])
    assert check_target("http://127.0.0.1:9000/x", ["127.0.0.1:9000"]).addresses == ["127.0.0.1"]
    assert check_target("http://[::1]:9000/x", ["[::1]:9000"]).addresses == ["::1"]


def test_every_address_of_a_name_is_checked(monkeypatch):
    def both(host, port, *args, **kwargs):
        return (REAL_GETADDRINFO("93.184.216.34", port, *args, **kwargs)
                + REAL_GETADDRINFO("127.0.0.1", port, *args, **kwargs))
    monkeypatch.setattr(socket, "getaddrinfo", both)
    assert "127.0.0.1" in refused("http://mixed.test:9000/x", []).reason


# a delivery connects to the checked address ------------------------------------------
def test_a_delivery_connects_to_the_address_that_was_checked(resolver):
    checked = Receiver("127.0.0.1")
    rebound = Receiver("127.0.0.2", checked.port)  # where a second lookup would lead
    try:
        stub = resolver({"rebind.test": "127.0.0.1"}, {"rebind.test": "127.0.0.2"})
        assert send("http://rebind.test:%d/hooks?a=1" % checked.port,
                    "rebind.test:%d" % checked.port) == 204
        assert stub.lookups == {"rebind.test": 1}
        assert rebound.requests == []
        assert [(r["host"], r["path"]) for r in checked.requests] == [
            ("rebind.test:%d" % checked.port, "/hooks?a=1")]

        # allowed by its address: the same, one lookup and the checked address
        stub = resolver({"rebind.test": "127.0.0.1"}, {"rebind.test": "127.0.0.2"})
        send("http://rebind.test:%d/again" % checked.port, "127.0.0.1:%d" % checked.port)
        assert stub.lookups == {"rebind.test": 1} and rebound.requests == []
        assert checked.requests[-1]["path"] == "/again"

        # the rebound address is not allowed: refused, nothing sent anywhere
        stub = resolver({"rebind.test": "127.0.0.2"}, {"rebind.test": "127.0.0.1"})
        with pytest.raises(DeliveryError) as caught:
            send("http://rebind.test:%d/x" % checked.port, "127.0.0.1:%d" % checked.port)
        assert caught.value.permanent and "127.0.0.2" in caught.value.reason
        assert stub.lookups == {"rebind.test": 1}
        assert rebound.requests == [] and len(checked.requests) == 2
    finally:
        checked.stop()
        rebound.stop()


def test_the_next_checked_address_is_tried_only_when_the_first_cannot_be_reached(monkeypatch):
    receiver = Receiver("127.0.0.1")
    try:
        closed = socket.socket()
        closed.bind(("127.0.0.3", receiver.port))  # bound, never listening: refused
        def two(host, port, *args, **kwargs):
            if host == "two.test":
                return (REAL_GETADDRINFO("127.0.0.3", port, *args, **kwargs)
                        + REAL_GETADDRINFO("127.0.0.1", port, *args, **kwargs))
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        monkeypatch.setattr(socket, "getaddrinfo", two)
        assert send("http://two.test:%d/x" % receiver.port, "two.test:%d" % receiver.port) == 204
        assert len(receiver.requests) == 1
        closed.close()
    finally:
        receiver.stop()


# https: SNI and the certificate's name, on the checked address ---------------------------
def _certificate(tmp_path, name):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / (name + ".pem"), tmp_path / (name + ".key")
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _tls_receiver(tmp_path, name):
    cert_file, key_file = _certificate(tmp_path, name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return Receiver("127.0.0.1", context=context), cert_file


def test_https_keeps_the_name_for_sni_and_the_certificate(tmp_path, resolver, monkeypatch):
    receiver, cert_file = _tls_receiver(tmp_path, "hooks.test")
    monkeypatch.setattr(channels, "_ca_bundle", lambda: str(cert_file), raising=False)
    try:
        stub = resolver({"hooks.test": "127.0.0.1"}, {"hooks.test": "127.0.0.2"})
        assert send("https://hooks.test:%d/tls" % receiver.port,
                    "hooks.test:%d" % receiver.port) == 204
        assert stub.lookups == {"hooks.test": 1}
        assert receiver.server_names == ["hooks.test"]
        assert receiver.requests[0]["host"] == "hooks.test:%d" % receiver.port
    finally:
        receiver.stop()


def test_https_refuses_a_certificate_for_another_name(tmp_path, resolver, monkeypatch):
    receiver, cert_file = _tls_receiver(tmp_path, "elsewhere.test")
    monkeypatch.setattr(channels, "_ca_bundle", lambda: str(cert_file), raising=False)
    try:
        resolver({"hooks.test": "127.0.0.1"})
        with pytest.raises(DeliveryError) as caught:
            send("https://hooks.test:%d/tls" % receiver.port, "hooks.test:%d" % receiver.port)
        assert "hooks.test" in caught.value.reason or "certificate" in caught.value.reason.lower()
        assert receiver.requests == []
    finally:
        receiver.stop()


def test_a_malformed_allow_entry_stops_notify_at_start():
    from services.notify.delivery import DeliveryWorker

    class Container:  # what setup() reads of a nameko container
        def __init__(self, config):
            self.config = config

    def set_up(*allow):
        container = Container({"CM": settings(*allow)})
        DeliveryWorker().bind(container, "deliveries").setup()
    set_up("127.0.0.1:9000", "hooks.local", "[::1]:9000")
    with pytest.raises(ValueError, match="'hooks.local:http'"):
        set_up("127.0.0.1:9000", "hooks.local:http")
