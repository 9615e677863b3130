"""An upload's bytes on their way in: a multipart/form-data body whose one part `file` is
streamed to a spool file on local disk, hashed and counted as it comes, never held whole
in memory; recognised by its first bytes (not its name).

Refused before anything is stored: a body that is not multipart (415), over the limit
(413, as soon as the count passes it: a client that lies about its length is cut off
too), a part other than `file` or none (422), a type not accepted (415), an empty file
(422). The spool file is the request's own and is removed when the request ends.
"""
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from gateway.errors import ApiError, invalid
from services.activities.contract import ACCEPTED_TYPES, MAX_BYTES, SNIFF_BYTES, media_type_of

FORM_SLACK = 64 * 1024  # a multipart body's boundaries and part headers around the file
# werkzeug's multipart decoder refuses (413) when its buffer and the next read (64 KiB)
# pass this, whatever the part: room for a read and a part's headers, bounded all the same
DECODER_BUFFER = 1024 * 1024
MAX_PARTS = 4


def spool_folder(settings):
    return str(Path(settings.data_dir) / "uploads")


def too_large():
    return ApiError(413, "PAYLOAD_TOO_LARGE", "a file may be at most %d MiB"
                    % (MAX_BYTES // (1024 * 1024)))


def unsupported(message, details=None):
    return ApiError(415, "UNSUPPORTED_MEDIA_TYPE", message, details or {})


@dataclass
class Upload:
    path: str
    sha256: str
    size: int
    content_type: str
    filename: str

    def discard(self):
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class HashingSpool:
    """The file part's destination: a temporary file, with its hash, size and first
    bytes counted on the way."""

    def __init__(self, folder):
        handle, self.path = tempfile.mkstemp(dir=folder, suffix=".upload")
        self.file = os.fdopen(handle, "wb")
        self.hash = hashlib.sha256()
        self.size = 0
        self.head = b""

    def write(self, chunk):
        self.size += len(chunk)
        if self.size > MAX_BYTES:
            raise too_large()
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[:SNIFF_BYTES - len(self.head)]
        self.hash.update(chunk)
        return self.file.write(chunk)

    def seek(self, *args):  # werkzeug rewinds a finished part; nothing to do here
        return 0

    def flush(self):
        self.file.flush()

    def close(self):
        self.file.close()

    def discard(self):
        self.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def received(request, spool_folder):
    """The request's file, spooled; raises the API's error for anything else."""
    mimetype = request.mimetype
    if mimetype != "multipart/form-data":
        raise unsupported("send the file as multipart/form-data with one part named file",
                          {"Content-Type": ["must be multipart/form-data"]})
    if request.content_length is not None and request.content_length > MAX_BYTES + FORM_SLACK:
        raise too_large()
    Path(spool_folder).mkdir(parents=True, exist_ok=True)
    spools = []

    def stream_factory(total_content_length, content_type, filename, content_length=None):
        spools.append(HashingSpool(spool_folder))
        return spools[-1]

    parser = FormDataParser(stream_factory, max_form_memory_size=DECODER_BUFFER,
                            max_content_length=MAX_BYTES + FORM_SLACK, silent=False,
                            max_form_parts=MAX_PARTS)
    try:
        _, form, files = parser.parse_from_environ(request.environ)
    except ApiError:
        _discard(spools)
        raise
    except RequestEntityTooLarge:
        _discard(spools)
        raise too_large() from None
    except ValueError as exc:
        _discard(spools)
        raise invalid({"file": ["the multipart body cannot be read (%s)" % exc]}) from None
    return _the_file(form, files, spools)


def _the_file(form, files, spools):
    for spool in spools:
        spool.close()
    unknown = [name for name in list(form) + list(files) if name != "file"]
    parts = files.getlist("file")
    if unknown or len(parts) != 1:
        _discard(spools)
        errors = {name: ["unknown field: send one part named file"] for name in unknown}
        if len(parts) != 1:
            errors["file"] = ["send exactly one file part named file"]
        raise invalid(errors)
    part = parts[0]
    spool = part.stream
    content_type = media_type_of(spool.head)
    if spool.size == 0:
        _discard(spools)
        raise invalid({"file": ["the file is empty"]})
    if content_type not in ACCEPTED_TYPES:
        _discard(spools)
        raise unsupported("only JPEG, PNG and WebP photos and PDF files are taken",
                          {"file": ["not a JPEG, PNG, WebP or PDF file"]})
    return Upload(path=spool.path, sha256=spool.hash.hexdigest(), size=spool.size,
                  content_type=content_type, filename=_plain_name(part.filename))


def clear_spool(folder):
    """At the gateway's start: what a gateway that died mid-upload left (its requests
    died with it). One gateway per data dir: replicas have their own (a pod's emptyDir)."""
    for path in Path(folder).glob("*.upload"):
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _plain_name(filename):
    """The file's name as the client gave it, without any folder, for people to read."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "file"


def _discard(spools):
    for spool in spools:
        spool.discard()
