"""Files as phones and scanners make them, for the evidence tests: photos with the EXIF
that cameras write (location, device, orientation, capture time), a PDF, and files that
are not accepted."""
import io
import random
import zipfile

from PIL import Image, TiffImagePlugin

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
MAKE, MODEL, ORIENTATION, DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
DATETIME_ORIGINAL, BODY_SERIAL = 0x9003, 0xA431


def camera_exif(taken="2026:10:01 10:30:00", orientation=6):
    exif = Image.Exif()
    exif[MAKE] = "HUAWEI"
    exif[MODEL] = "Mate 60 Pro"
    exif[ORIENTATION] = orientation
    exif[DATETIME] = taken
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken
    exif.get_ifd(EXIF_IFD)[BODY_SERIAL] = "SN-0042-ZHANGYE"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (TiffImagePlugin.IFDRational(38), TiffImagePlugin.IFDRational(56),
              TiffImagePlugin.IFDRational(0))
    gps[3] = "E"
    gps[4] = (TiffImagePlugin.IFDRational(100), TiffImagePlugin.IFDRational(27),
              TiffImagePlugin.IFDRational(0))
    return exif


def photo(width=640, height=480, taken="2026:10:01 10:30:00", orientation=6, seed=1,
          quality=90):
    """A JPEG as a phone writes it: landscape pixels, an orientation tag that turns them
    upright, the place and the device in its EXIF. `seed` makes distinct bytes."""
    image = Image.new("RGB", (width, height), (seed * 37 % 256, 120, 200))
    image.putpixel((seed % width, 0), (255, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=camera_exif(taken, orientation).tobytes())
    return out.getvalue()


def big_photo(megabytes=5, seed=1):
    """A JPEG of about `megabytes` MiB (noise compresses badly, as detail does)."""
    side = int(925 * megabytes ** 0.5)
    noise = random.Random(seed).randbytes(side * side * 3)
    image = Image.frombytes("RGB", (side, side), noise)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=camera_exif().tobytes())
    return out.getvalue()


def png(seed=1):
    image = Image.new("RGBA", (300, 200), (seed % 256, 200, 100, 128))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp(seed=1):
    image = Image.new("RGB", (300, 200), (seed % 256, 50, 150))
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80, exif=camera_exif(orientation=1).tobytes())
    return out.getvalue()


def pdf(text="sign-in sheet"):
    """A one-page PDF, as a scanner app saves a sign-in sheet."""
    image = Image.new("RGB", (200, 280), "white")
    out = io.BytesIO()
    image.save(out, "PDF", title=text)
    return out.getvalue()


def gif():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    return out.getvalue()


def zip_file():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", b"not really")
    return out.getvalue()


def html():
    return b"<!doctype html><script>alert(1)</script>"


def read_exif(data):
    image = Image.open(io.BytesIO(data))
    return image, image.getexif()
