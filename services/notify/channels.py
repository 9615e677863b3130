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
    """POST body (bytes) signed over "timestamp.body"; a 2xx answer is success."""
    forbid_open_transaction("a webhook send")
    check_target(url, settings.webhook_allow_hosts)
    timestamp = int(time.time())
    signed = dict(headers)
    signed.update({
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "CultureMatrix-Webhooks/1",
        "X-CM-Timestamp": str(timestamp),
        "X-CM-Signature": "sha256=" + domain.signature(secret, timestamp, body),
    })
    timeout = float(settings.webhook_timeout_seconds)
    try:
        answer = requests.post(url, data=body, headers=signed, timeout=(timeout, timeout),
                               allow_redirects=False)
    except requests.Timeout:
        raise DeliveryError("timed out after %ss" % timeout) from None
    except requests.RequestException as exc:
        raise DeliveryError("%s: %s" % (exc.__class__.__name__, _short(exc))) from None
    if 200 <= answer.status_code < 300:
        return answer.status_code
    raise DeliveryError("HTTP %d %s" % (answer.status_code, answer.text[:200].strip()),
                        status_code=answer.status_code)


def check_target(url, allow_hosts):
    """Refuse loopback, private, link-local and reserved addresses unless allowed (SSRF)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise DeliveryError("not an http(s) URL", permanent=True)
    if host in allow_hosts:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise DeliveryError("cannot resolve %s: %s" % (host, exc)) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise DeliveryError("%s resolves to %s, which is not a public address "
                                "(allow it with webhook_allow_hosts)" % (host, address),
                                permanent=True)


def _short(exc):
    return str(exc)[:300]
