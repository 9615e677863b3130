"""A real SMTP server (aiosmtpd) in a process of its own, keeping each message as a file.

Recipients whose local part starts with "bounce" are refused for good (550); those
starting with "flaky" are refused for now (451) twice, then accepted.
Run by SmtpServer: `python -m tests.support.notify_smtp PORT FOLDER`.
"""
import email
import email.policy
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


class SmtpServer:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = open(self.folder.parent / ("smtp-%d.log" % self.port), "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.notify_smtp", str(self.port), str(self.folder)],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self._listening, 30, "the SMTP server to listen")

    def _listening(self):
        if self.process.poll() is not None:
            raise AssertionError("the SMTP server exited; see %s" % self.log.name)
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
            return conn.recv(100).startswith(b"220")

    def messages(self, to=None):
        """Every message received so far (oldest first), optionally only those to `to`."""
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to is None or to in message["X-Rcpt-To"].split(","):
                found.append(message)
        return found

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


class _Handler:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.refusals = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("bounce"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if local.startswith("flaky"):
            self.refusals[address] = self.refusals.get(address, 0) + 1
            if self.refusals[address] <= 2:
                return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = "%020d-%s" % (len(list(self.folder.glob("*.eml"))), uuid.uuid4().hex)
        scratch = self.folder / (name + ".tmp")
        scratch.write_bytes(b"X-Rcpt-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n"
                            + envelope.original_content)
        scratch.rename(self.folder / (name + ".eml"))  # readers never see half a message
        return "250 Message accepted for delivery"


def main(port, folder):
    import signal
    import threading

    from aiosmtpd.controller import Controller

    controller = Controller(_Handler(folder), hostname="127.0.0.1", port=int(port))
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main(*sys.argv[1:3])
