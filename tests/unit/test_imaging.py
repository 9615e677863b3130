"""What a photo becomes before others see it, as pure functions of bytes."""
import io
import struct

import pytest
from PIL import Image

from services.activities import imaging
from services.activities.contract import media_type_of
from tests.support import files


def test_files_are_recognised_by_their_first_bytes():
    assert media_type_of(files.photo()) == "image/jpeg"
    assert media_type_of(files.png()) == "image/png"
    assert media_type_of(files.webp()) == "image/webp"
    assert media_type_of(files.pdf()) == "application/pdf"
    for other in (files.gif(), files.zip_file(), files.html(), b"", b"RIFF0000WAVE"):
        assert media_type_of(other) is None


def test_a_jpeg_keeps_its_image_data_byte_for_byte():
    data = files.photo()
    stored = imaging.prepare(data, "image/jpeg").stored
    start_of_scan = data.index(b"\xff\xda")
    assert stored.endswith(data[start_of_scan:])
    assert len(stored) < len(data)


def test_every_metadata_segment_but_colour_goes():
    data = files.photo()
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>GPS 38.9N</x:xmpmeta>"
    comment = b"hello"
    with_xmp = (data[:2] + b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp
                + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:])
    assert Image.open(io.BytesIO(with_xmp)).load() is not None  # a valid JPEG still
    stored = imaging.prepare(with_xmp, "image/jpeg").stored
    assert b"ns.adobe.com" not in stored and b"hello" not in stored
    assert b"HUAWEI" not in stored and b"Mate 60" not in stored


@pytest.mark.parametrize("orientation,size", [(1, (640, 480)), (6, (480, 640)),
                                              (8, (480, 640)), (3, (640, 480))])
def test_the_thumbnail_and_the_size_are_upright(orientation, size):
    prepared = imaging.prepare(files.photo(orientation=orientation), "image/jpeg")
    assert (prepared.width, prepared.height) == size
    thumbnail = Image.open(io.BytesIO(prepared.thumbnail))
    assert (thumbnail.width > thumbnail.height) == (size[0] > size[1])


def test_the_capture_date_is_kept_as_a_fact():
    prepared = imaging.prepare(files.photo(taken="2026:07:15 08:00:00"), "image/jpeg")
    assert prepared.captured_on.isoformat() == "2026-07-15"
    assert imaging.prepare(files.png(), "image/png").captured_on is None
    broken = imaging.prepare(files.photo(taken="not a date at all"), "image/jpeg")
    assert broken.captured_on is None


def test_what_is_not_whole_is_unreadable():
    for data, content_type in [(b"", "image/jpeg"), (files.photo()[:1500], "image/jpeg"),
                               (files.png()[:300], "image/png"), (files.pdf()[:-40],
                                                                  "application/pdf"),
                               (files.png(), "image/jpeg"), (b"\xff\xd8\xff" + b"x" * 50,
                                                             "image/jpeg")]:
        with pytest.raises(imaging.Unreadable):
            imaging.prepare(data, content_type)


def test_too_many_pixels_are_refused_without_decoding(monkeypatch):
    monkeypatch.setattr(imaging, "MAX_PIXELS", 100)
    with pytest.raises(imaging.Unreadable, match="million pixels"):
        imaging.prepare(files.photo(), "image/jpeg")
