"""Test data: ``gen_*``-style helpers that go through the real operations where cheap."""

from __future__ import annotations

import io
import itertools
import random

from PIL import Image

from portal import clock
from portal.db import db
from portal.people.models import User, WorkerProfile
from portal.people.passwords import hash_password

PASSWORD = "correct horse"
_seq = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def user(role: str = "client", *, email: str | None = None, name: str | None = None,
         password: str = PASSWORD, language: str = "en", active: bool = True, time_zone: str | None = None,
         **profile) -> User:
    n = next(_seq)
    u = User(email=email or f"{role}{n}@example.test", password_hash=_hash(password), role=role,
             name=name or f"{role.title()} {n}", address=f"{n} Test Street", language=language,
             time_zone=time_zone, active=active, created_at=clock.now())
    db.session.add(u)
    db.session.flush()
    if role == "worker":
        db.session.add(WorkerProfile(user_id=u.id, age=profile.get("age", 3), breed=profile.get("breed", "Tabby"),
                                     fur_colour=profile.get("fur_colour", "grey"), strengths=[], weaknesses=[]))
    db.session.commit()
    return u


def image_bytes(fmt: str = "PNG", size=(64, 48), colour=(200, 120, 40), exif: bytes | None = None) -> bytes:
    img = Image.new("RGB", size, colour)
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    img.save(out, format=fmt, **kwargs)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb)."""
    import struct
    import zlib

    png = bytearray(image_bytes("PNG", size=(1, 1)))
    ihdr = 8 + 8  # signature, then the IHDR chunk's length and type
    png[ihdr:ihdr + 8] = struct.pack(">II", width, height)
    png[ihdr + 13:ihdr + 17] = struct.pack(">I", zlib.crc32(png[ihdr - 4:ihdr + 13]))
    return bytes(png)


def gps_exif(latitude=(55.0, 45.0, 21.0), longitude=(37.0, 37.0, 4.0)) -> bytes:
    """EXIF with a camera make and a GPS position, as a phone writes it into a photo."""
    from PIL import ExifTags

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "CatPhone"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: latitude, 3: "E", 4: longitude})
    return exif.tobytes()


def picture(seed: int, size=(640, 480)) -> Image.Image:
    """A photo-like picture with shapes (the same seed, the same picture): a gradient and
    soft-edged discs, so a perceptual hash has something to see."""
    from PIL import ImageDraw, ImageFilter

    rnd = random.Random(seed)
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y, r = rnd.randrange(size[0]), rnd.randrange(size[1]), rnd.randrange(20, 150)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
    return img.filter(ImageFilter.GaussianBlur(2))


def encoded(img: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **options)
    return out.getvalue()
