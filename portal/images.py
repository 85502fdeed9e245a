"""Uploaded photos: checked by content, size-limited, re-encoded without metadata."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Longest side kept after re-encoding: enough for a screen, small for the database.
MAX_SIDE = 1600


class BadImage(DomainError):
    """An upload that is not a photo we accept; shown next to the upload field."""

    field = "photo"


# Two pictures whose 64-bit difference hashes differ in at most this many bits are the same
# picture: measured, re-encoding at JPEG quality 30 to 98, resizing by 80 to 110 % or appending
# bytes changes 0 to 2 bits; different photos differed in 6 bits or more (most in 20 to 40).
SAME_PICTURE_BITS = 3
# A picture whose neighbouring cells (of the 9 x 8 grey thumbnail) never differ by more than
# this has no shapes for the hash to see (a blank wall, a plain colour): its hash would match
# every other blank picture, so it is compared by its pixels alone.
FLAT_CONTRAST = 8


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str  # of the uploaded bytes
    pixels_sha256: str  # of the decoded pixels: the same picture saved again, or with bytes appended
    dhash: int | None  # the difference hash (signed 64-bit): the same picture re-encoded or resized


def difference_hash(img: Image.Image) -> int | None:
    """The 64-bit difference hash (dHash) of a picture, as a signed 64-bit integer for the
    database; None for a picture without shapes (see ``FLAT_CONTRAST``).

    Each bit says whether a cell of the 9 x 8 grey thumbnail is brighter than its right-hand
    neighbour: compression, scaling and small colour shifts leave those relations standing.
    """
    grey = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    cells = grey.tobytes()
    bits, contrast = 0, 0
    for row in range(8):
        for col in range(8):
            left, right = cells[row * 9 + col], cells[row * 9 + col + 1]
            bits = (bits << 1) | (left > right)
            contrast = max(contrast, abs(left - right))
    if contrast <= FLAT_CONTRAST:
        return None
    return bits - (1 << 64) if bits >= 1 << 63 else bits


def hash_bands(dhash: int) -> tuple[int, int, int, int]:
    """The hash in four 16-bit quarters: two hashes within ``SAME_PICTURE_BITS`` (< 4) bits
    share at least one quarter, so an index on each finds every candidate."""
    unsigned = dhash & ((1 << 64) - 1)
    return tuple((unsigned >> shift) & 0xFFFF for shift in (48, 32, 16, 0))


def same_picture(a: int, b: int) -> bool:
    """Two difference hashes of the same picture (re-encoded, resized)."""
    return ((a ^ b) & ((1 << 64) - 1)).bit_count() <= SAME_PICTURE_BITS


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
    pixels = hashlib.sha256(f"{img.width}x{img.height}:".encode())
    pixels.update(img.tobytes())
    return CleanImage(out.getvalue(), "image/jpeg", img.width, img.height,
                      hashlib.sha256(raw).hexdigest(), pixels.hexdigest(), difference_hash(img))
