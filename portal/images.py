"""Uploaded photos: checked by content, size-limited, re-encoded without metadata."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.errors import DomainError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Longest side kept after re-encoding: enough for a screen, small for the database.
MAX_SIDE = 1600


class BadImage(DomainError):
    """An upload that is not a photo we accept; shown next to the upload field."""

    field = "photo"


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str  # of the uploaded bytes, to recognise a reused photo


def _too_many_pixels(max_pixels: int) -> BadImage:
    return BadImage(_l("The photo has too many pixels (at most %(mp)s megapixels).",
                       mp=max_pixels // 1_000_000))


def _open(raw: bytes, max_pixels: int) -> Image.Image:
    """Decode an upload whose header promises a sane size; anything else is refused."""
    try:
        with warnings.catch_warnings():
            # Our own limit is lower than Pillow's warning threshold and gives a clearer
            # message; Pillow's hard error (a decompression bomb) is caught below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            if img.format not in ALLOWED_FORMATS:
                raise BadImage(_l("Upload a JPEG, PNG or WebP photo."))
            width, height = img.size
            if width * height > max_pixels:
                raise _too_many_pixels(max_pixels)
            img.load()
            return img
    except Image.DecompressionBombError:
        raise _too_many_pixels(max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        # Pillow reports truncated or lying files with any of these.
        raise BadImage(_l("This file is not a photo we can read. Upload a JPEG, PNG or WebP.")) from None


def reencode(raw: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> CleanImage:
    """Check an upload and return it as a fresh JPEG without EXIF, GPS or other metadata."""
    if not raw:
        raise BadImage(_l("Choose a photo to upload."))
    if len(raw) > max_bytes:
        raise BadImage(_l("The photo is larger than %(mb)s MB.", mb=max_bytes // (1024 * 1024)))
    img = _open(raw, max_pixels)
    img = ImageOps.exif_transpose(img)  # keep the orientation the camera meant, then drop EXIF
    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.split()[-1])
        img = background
    elif img.mode != "RGB":
        img = img.convert("RGB")
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85, optimize=True)  # no exif= : metadata is dropped
    return CleanImage(out.getvalue(), "image/jpeg", img.width, img.height,
                      hashlib.sha256(raw).hexdigest())
