"""The network side of deliveries: email over SMTP and signed webhook POSTs.

Called by the delivery worker outside any database transaction. Each sender returns
a status code (or None) on success and raises DeliveryError on failure, saying whether
trying again could help.
"""
import ipaddress
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

import requests
import urllib3

from services.common.database import forbid_open_transaction
from services.notify import domain


class DeliveryError(Exception):
    def __init__(self, reason, permanent=False, status_code=None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.status_code = status_code


# email --------------------------------------------------------------------------------
def send_email(settings, to, subject, body, message_id=None):
    forbid_open_transaction("an email send")
    message = EmailMessage()
    name, address = parseaddr(settings.smtp_from)
    message["From"] = formataddr((name, address)) if name else address
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="culture-matrix.local")
    message.set_content(body, charset="utf-8")
    host, port = settings.smtp_host, int(settings.smtp_port)
    timeout = float(settings.smtp_timeout_seconds)
    security = (settings.smtp_security or "none").lower()
    try:
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                client.login(settings.smtp_username, settings.smtp_password or "")
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise DeliveryError("recipient refused: %s %s" % (code, _text(text)),
                            permanent=500 <= code < 600, status_code=code) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError("SMTP %s %s" % (exc.smtp_code, _text(exc.smtp_error)),
                            permanent=500 <= exc.smtp_code < 600,
                            status_code=exc.smtp_code) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError("SMTP %s: %s" % (exc.__class__.__name__, exc)) from None
    return 250


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# webhooks -----------------------------------------------------------------------------
def send_webhook(settings, url, secret, body, headers):
    """POST body (bytes) signed over "timestamp.body"; a 2xx answer is success.

    The target's name is resolved once, the addresses are checked (check_target), and the
    connection goes to a checked address: no second lookup between the check and the
    connection (DNS rebinding). The Host header, and for https the SNI and the
    certificate's name check, stay on the URL's name."""
    forbid_open_transaction("a webhook send")
    target = check_target(url, settings.webhook_allow_hosts)
    timestamp = int(time.time())
    signed = dict(headers)
    signed.update({
        "Host": target.host_header,
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "CultureMatrix-Webhooks/1",
        "X-CM-Timestamp": str(timestamp),
        "X-CM-Signature": "sha256=" + domain.signature(secret, timestamp, body),
    })
    timeout = float(settings.webhook_timeout_seconds)
    try:
        answer = _post(target, body, signed, timeout)
    except urllib3.exceptions.TimeoutError:
        raise DeliveryError("timed out after %ss" % timeout) from None
    except urllib3.exceptions.HTTPError as exc:
        raise DeliveryError("%s: %s" % (exc.__class__.__name__, _short(exc))) from None
    if 200 <= answer.status < 300:
        return answer.status
    text = answer.data[:200].decode("utf-8", "replace").strip()
    raise DeliveryError("HTTP %d %s" % (answer.status, text), status_code=answer.status)


def _post(target, body, headers, timeout):
    """POST to the checked addresses in turn (the next only when a connection could not be
    made, so nothing is sent twice); never redirected, never through a proxy."""
    limits = urllib3.Timeout(connect=timeout, read=timeout)
    failure = None
    for address in target.addresses:
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address, target.port, timeout=limits, retries=False, maxsize=1,
                cert_reqs="CERT_REQUIRED", ca_certs=_ca_bundle(),
                server_hostname=target.host, assert_hostname=target.host)
        else:
            pool = urllib3.HTTPConnectionPool(address, target.port, timeout=limits,
                                              retries=False, maxsize=1)
        try:
            with pool:
                return pool.urlopen("POST", target.path, body=body, headers=headers,
                                    redirect=False, retries=False, assert_same_host=False,
                                    preload_content=True)
        except (urllib3.exceptions.NewConnectionError,
                urllib3.exceptions.ConnectTimeoutError) as exc:
            failure = exc  # nothing was sent: the next checked address may answer
    raise failure


def _ca_bundle():
    return requests.utils.DEFAULT_CA_BUNDLE_PATH


class Target:
    """A checked webhook target: the URL's parts and the addresses to connect to."""

    def __init__(self, scheme, host, port, path, addresses):
        self.scheme, self.host, self.port, self.path = scheme, host, port, path
        self.addresses = addresses

    @property
    def host_header(self):
        name = "[%s]" % self.host if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else "%s:%d" % (name, self.port)


def parse_allow_entry(entry):
    """One webhook_allow_hosts entry as (host, port): "host:port", "[v6]:port", or a bare
    host, which allows only the scheme's default port (port None: 80 for http, 443 for
    https). Raises ValueError for anything else."""
    text = str(entry).strip().lower()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValueError("webhook_allow_hosts entry %r: expected [address]:port" % entry)
        port = rest[1:] if rest else None
    elif text.count(":") > 1:
        host, port = text, None  # a bare IPv6 address
    else:
        host, _, port = text.partition(":")
        port = port if _ else None
    host = host.rstrip(".")
    if not host or (port is not None and not (port.isdigit() and 0 < int(port) < 65536)):
        raise ValueError("webhook_allow_hosts entry %r: expected host:port" % entry)
    return host, int(port) if port is not None else None


def _allowed(allow_hosts, scheme, port, *names):
    default = 443 if scheme == "https" else 80
    for entry in allow_hosts:
        host, allowed_port = parse_allow_entry(entry)
        if host in names and (allowed_port or default) == port:
            return True
    return False


def check_target(url, allow_hosts):
    """Resolve the URL's host once and refuse loopback, private, link-local and reserved
    addresses (SSRF) unless webhook_allow_hosts names that host (or that address) with
    this port. Returns the Target whose addresses a delivery connects to."""
    parts = urlsplit(url)
    try:
        host = (parts.hostname or "").rstrip(".")
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise DeliveryError("not a valid URL port", permanent=True) from None
    if parts.scheme not in ("http", "https") or not host:
        raise DeliveryError("not an http(s) URL", permanent=True)
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryError("cannot resolve %s: %s" % (host, exc)) from None
    addresses = []
    for info in infos:
        address = info[4][0].split("%")[0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise DeliveryError("cannot resolve %s" % host)
    if _allowed(allow_hosts, parts.scheme, port, host):
        return Target(parts.scheme, host, port, path, addresses)
    for address in addresses:
        if not ipaddress.ip_address(address).is_global and not _allowed(
                allow_hosts, parts.scheme, port, address):
            raise DeliveryError("%s:%d resolves to %s, which is not a public address "
                                "(allow it with webhook_allow_hosts as host:port)"
                                % (host, port, address), permanent=True)
    return Target(parts.scheme, host, port, path, addresses)


def _short(exc):
    return str(exc)[:300]
