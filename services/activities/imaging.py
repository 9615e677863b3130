"""What an uploaded file becomes before anyone but its uploader sees it (Pillow).

A photo loses its location and device data (EXIF GPS, make, model, serial numbers, XMP,
IPTC, maker notes) and keeps its orientation and its capture date; a thumbnail spares a
review page the full image. A JPEG is not re-encoded: its metadata segments are rewritten
around the untouched image data (lossless, and fast). PNG and WebP are re-encoded upright
without metadata. A PDF is kept as it is, once it is seen to be whole.

Pure functions of bytes (no nameko, no database): the service runs them off the eventlet
hub, in a thread, because decoding blocks in C.
"""
import io
import struct
import warnings
from dataclasses import dataclass
from datetime import date

from PIL import Image, ImageOps, UnidentifiedImageError

from services.activities.contract.evidence import IMAGE_TYPES

MAX_PIXELS = 64_000_000  # a 64 MP photo decodes to ~190 MB; more is refused, not decoded
THUMBNAIL_BOX = (320, 320)
ORIENTATION, DATETIME, EXIF_IFD = 0x0112, 0x0132, 0x8769
DATETIME_ORIGINAL, DATETIME_DIGITIZED = 0x9003, 0x9004
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# JPEG segments that stay: JFIF (APP0), the ICC colour profile (APP2), Adobe's colour
# transform (APP14). Every other APPn (EXIF and XMP in APP1, IPTC in APP13, makers' data)
# and comments go.
KEPT_JPEG_SEGMENTS = {0xE0, 0xE2, 0xEE}


class Unreadable(ValueError):
    """The bytes are not a whole file of their type; the message says why."""


@dataclass(frozen=True)
class Prepared:
    stored: bytes  # what is served
    thumbnail: bytes | None  # a JPEG, for photos
    captured_on: date | None
    width: int | None  # as displayed (upright)
    height: int | None


def prepare(data, content_type):
    if not data:
        raise Unreadable("the file is empty")
    if content_type == "application/pdf":
        return _prepared_pdf(data)
    if content_type not in IMAGE_TYPES:
        raise Unreadable("not a file type that is kept")
    return _prepared_image(data, content_type)


def _prepared_pdf(data):
    # a PDF's last lines name its cross-reference table and end with %%EOF; a file cut
    # short in transit has none
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise Unreadable("the PDF is incomplete (its end is missing): upload it again")
    return Prepared(stored=data, thumbnail=None, captured_on=None, width=None, height=None)


def _prepared_image(data, content_type):
    image = _opened(data, content_type)
    upright, exif = _decoded_upright(image, content_type)
    orientation = exif.get(ORIENTATION)
    captured_on = capture_date(exif)
    if content_type == "image/jpeg":
        stored = stripped_jpeg(data, _minimal_exif(exif, orientation))
    else:
        stored = _reencoded(upright, content_type, _minimal_exif(exif, None))
    width, height = getattr(upright, "full_size", upright.size)
    return Prepared(stored=stored, thumbnail=_thumbnail(upright), captured_on=captured_on,
                    width=width, height=height)


def _opened(data, content_type):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, OSError, SyntaxError, ValueError) as exc:
        raise Unreadable("the image cannot be read (%s)" % _why(exc)) from None
    if Image.MIME.get(image.format) != content_type:
        raise Unreadable("the image is not the type its bytes begin as")
    if image.width * image.height > MAX_PIXELS:
        raise Unreadable("the image has more than %d million pixels" % (MAX_PIXELS // 10**6))
    return image


def _decoded_upright(image, content_type):
    """Decode it all (a truncated file fails here), upright, with its EXIF. A JPEG
    decodes at a reduced scale (libjpeg's draft): only the thumbnail needs the pixels."""
    try:
        if content_type == "image/jpeg":
            full_size = image.size
            image.draft("RGB", (THUMBNAIL_BOX[0] * 2, THUMBNAIL_BOX[1] * 2))
        image.load()
        exif = image.getexif()  # a PNG's is read at its end: after the load
        upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        raise Unreadable("the image is incomplete or damaged (%s)" % _why(exc)) from None
    if content_type == "image/jpeg":
        upright.full_size = _turned(full_size, exif.get(ORIENTATION))
    return upright, exif


def _turned(size, orientation):
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def capture_date(exif):
    """The date a photo was taken, from its EXIF (the camera's clock), else None."""
    details = exif.get_ifd(EXIF_IFD)
    for text in (details.get(DATETIME_ORIGINAL), details.get(DATETIME_DIGITIZED),
                 exif.get(DATETIME)):
        parsed = _exif_date(text)
        if parsed is not None:
            return parsed
    return None


def _exif_date(text):
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return None


def _minimal_exif(exif, orientation):
    """An EXIF block of the orientation (JPEG only: it is not re-encoded upright) and the
    capture time, nothing else."""
    kept = Image.Exif()
    if orientation in range(2, 9):
        kept[ORIENTATION] = orientation
    details = exif.get_ifd(EXIF_IFD)
    original = details.get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if isinstance(original, str) and _exif_date(original):
        kept[DATETIME] = original
        kept.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = original
    return kept


def stripped_jpeg(data, exif):
    """The JPEG's bytes with its metadata segments replaced by `exif`; the image data
    (from the start of scan on) is copied as it is."""
    if data[:2] != b"\xff\xd8":
        raise Unreadable("not a JPEG")
    out = [b"\xff\xd8"]
    block = exif.tobytes()
    if len(exif):
        out.append(b"\xff\xe1" + struct.pack(">H", len(block) + 8) + b"Exif\x00\x00" + block)
    position = 2
    while True:
        if position + 4 > len(data) or data[position] != 0xFF:
            raise Unreadable("the JPEG's header is damaged")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            out.append(data[position:])
            return b"".join(out)
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        segment = data[position:position + 2 + length]
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE) or marker in KEPT_JPEG_SEGMENTS:
            out.append(segment)
        position += 2 + length


def _reencoded(upright, content_type, exif):
    out = io.BytesIO()
    options = {"exif": exif.tobytes()} if len(exif) else {}
    if content_type == "image/webp":
        options.update(quality=90, method=4)
    upright.save(out, PIL_FORMATS[content_type], **options)
    return out.getvalue()


def _thumbnail(upright):
    small = upright.copy()
    small.thumbnail(THUMBNAIL_BOX)
    if small.mode in ("RGBA", "LA", "P", "PA"):
        small = small.convert("RGBA")
        background = Image.new("RGB", small.size, "white")
        background.paste(small, mask=small.getchannel("A"))
        small = background
    elif small.mode != "RGB":
        small = small.convert("RGB")
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def _why(exc):
    return str(exc).splitlines()[0][:120] if str(exc) else exc.__class__.__name__
