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
    pass


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str  # of the uploaded bytes, to recognise a reused photo


def reencode(raw: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> CleanImage:
    """Check an upload and return it as a fresh JPEG without EXIF, GPS or other metadata."""
    if not raw:
        raise BadImage(_l("Choose a photo to upload."))
    if len(raw) > max_bytes:
        raise BadImage(_l("The photo is larger than %(mb)s MB.", mb=max_bytes // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            if img.format not in ALLOWED_FORMATS:
                raise BadImage(_l("Upload a JPEG, PNG or WebP photo."))
            width, height = img.size
            if width * height > max_pixels:
                raise BadImage(_l("The photo has too many pixels (at most %(mp)s megapixels).",
                                  mp=max_pixels // 1_000_000))
            img.load()
    except BadImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, SyntaxError, ValueError):
        raise BadImage(_l("This file is not a photo we can read. Upload a JPEG, PNG or WebP."))
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "P"):
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
