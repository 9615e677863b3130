"""Evidence files: what a file may be, what the gateway registers after streaming an
upload to the blob store, and what the service answers about a file.

The gateway recognises a file by its first bytes (media_type_of) and refuses the rest
(415) before anything is stored; the service reads the whole file again to prove it
(an empty or truncated image is a 422) and to strip it.
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from services.activities.contract._fields import ID, moment
from services.activities.words import EVIDENCE_KINDS
from services.common.schema import Strict

MAX_BYTES = 10 * 1024 * 1024  # API.md: at most 10 MiB
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
ACCEPTED_TYPES = IMAGE_TYPES + ("application/pdf",)
SNIFF_BYTES = 16  # as many first bytes as media_type_of needs
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$")
# days a photo may be taken before its activity was held without a warning
CAPTURED_BEFORE_HELD_DAYS = 3


def media_type_of(head):
    """The accepted media type the bytes begin as, else None (a file's name is not
    trusted: a photo named .pdf is a photo)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


class Evidence(Strict):
    """An item of an activity's evidence in a report: a link, or a file the reporter
    uploaded (POST /api/v1/evidence), by its id."""
    kind = fields.String(required=True, validate=validate.OneOf(EVIDENCE_KINDS))
    url = fields.Url(schemes={"http", "https"})
    evidence_id = fields.Integer(strict=True, validate=ID)

    @validates_schema
    def _one_of(self, data, **kwargs):
        if ("url" in data) == ("evidence_id" in data):
            raise ValidationError("give either url or evidence_id", "_schema")


class EvidenceWarning(Strict):
    code = fields.String(metadata={"enum": ["CAPTURED_LONG_BEFORE", "CAPTURED_AFTER_REPORT"]})
    message = fields.String()


class FileFacts(Strict):
    """What every answer about a file says of it."""
    sha256 = fields.String(metadata={"description": "of the uploaded bytes"})
    content_type = fields.String(validate=validate.OneOf(ACCEPTED_TYPES))
    size = fields.Integer(metadata={"description": "of the uploaded bytes"})
    filename = fields.String()
    captured_on = fields.Date(allow_none=True,
                              metadata={"description": "a photo's capture date (EXIF)"})
    thumbnail = fields.Boolean(metadata={"description": "GET /api/v1/evidence/{id}/thumbnail"})


class EvidenceItemOut(FileFacts):
    """An item of an activity's evidence as answered: a link as it was given; a file with
    its facts. also_in is given to the activity's reviewers and the city only."""
    kind = fields.String()
    url = fields.String(metadata={"description": "a link item's address"})
    evidence_id = fields.Integer()
    also_in = fields.List(fields.Integer(), metadata={
        "description": "other activities that carry the same file (the same bytes)"})
    warnings = fields.List(fields.Nested(EvidenceWarning))


class EvidenceRegister(Strict):
    """register_evidence(payload, actor): an upload the gateway streamed to the blob
    store's staging_key, with the hash and size it counted on the way."""
    staging_key = fields.String(required=True, validate=validate.Regexp(r"^staging/[0-9a-f]{32}$"))
    sha256 = fields.String(required=True, validate=SHA256)
    size = fields.Integer(required=True, strict=True, validate=validate.Range(0, MAX_BYTES))
    content_type = fields.String(required=True, validate=validate.OneOf(ACCEPTED_TYPES))
    filename = fields.String(required=True, validate=validate.Length(0, 200))


class EvidenceOut(FileFacts):
    """The answer to an upload (API.md: id, sha256, content_type, size, filename)."""
    id = fields.Integer()
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    activity_id = fields.Integer(allow_none=True, metadata={
        "description": "the activity the file is attached to; null until it is"})
    uploaded_at = moment()


class EvidenceFileOut(EvidenceOut):
    """evidence_file(evidence_id): what the gateway needs to authorise and serve it."""
    uploaded_by = fields.String()
    stored_key = fields.String()
    stored_size = fields.Integer()
    thumbnail_key = fields.String(allow_none=True)
