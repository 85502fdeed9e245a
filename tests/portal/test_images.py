"""Uploaded photos come out as clean JPEGs, or are refused with a message a user understands."""

import io

import pytest
from PIL import ExifTags, Image

from portal.images import MAX_SIDE, BadImage, reencode, same_picture
from tests import factories


def opened(clean) -> Image.Image:
    return Image.open(io.BytesIO(clean.data))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photo_comes_out_as_a_jpeg_of_the_same_size(fmt):
    clean = reencode(factories.image_bytes(fmt, size=(64, 48)))

    assert clean.content_type == "image/jpeg"
    assert opened(clean).format == "JPEG" and (clean.width, clean.height) == opened(clean).size == (64, 48)


def test_exif_and_the_gps_position_are_gone():
    raw = factories.image_bytes("JPEG", exif=factories.gps_exif())
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    clean = reencode(raw)

    assert not opened(clean).getexif()
    assert b"CatPhone" not in clean.data and b"Exif" not in clean.data


def test_a_phone_photo_taken_sideways_is_turned_upright():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to view"

    clean = reencode(factories.image_bytes("JPEG", size=(80, 40), exif=exif.tobytes()))

    assert opened(clean).size == (40, 80)


def test_a_big_photo_is_scaled_down_to_a_screen_size():
    clean = reencode(factories.image_bytes("PNG", size=(4000, 2000)))

    assert (clean.width, clean.height) == (MAX_SIDE, MAX_SIDE // 2)


@pytest.mark.parametrize("raw, message", [
    (b"", "Choose a photo to upload."),
    (b"just some text pretending to be a photo", "This file is not a photo we can read. Upload a JPEG, PNG or WebP."),
    (factories.image_bytes("JPEG")[:200], "This file is not a photo we can read. Upload a JPEG, PNG or WebP."),
    (factories.image_bytes("GIF"), "Upload a JPEG, PNG or WebP photo."),
    (factories.image_bytes("BMP"), "Upload a JPEG, PNG or WebP photo."),
    (factories.png_claiming(8_000, 8_000), "The photo has too many pixels (at most 40 megapixels)."),
    (factories.png_claiming(100_000, 100_000), "The photo has too many pixels (at most 40 megapixels)."),
], ids=["empty", "text", "truncated", "gif", "bmp", "too-many-pixels", "decompression-bomb"])
def test_what_is_not_an_acceptable_photo_is_refused_for_the_photo_field(raw, message):
    with pytest.raises(BadImage) as refused:
        reencode(raw)

    assert str(refused.value.message) == message
    assert refused.value.field == "photo"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(BadImage, match="larger than 1 MB"):
        reencode(factories.image_bytes("PNG") + b"\0" * (1024 * 1024), max_bytes=1024 * 1024)


def test_the_same_picture_keeps_its_pixel_digest_and_hash_whatever_the_bytes():
    img = factories.picture(seed=7)
    first = reencode(factories.encoded(img, "PNG"))
    appended = reencode(factories.encoded(img, "PNG") + b"extra bytes")
    assert appended.sha256 != first.sha256 and appended.pixels_sha256 == first.pixels_sha256
    for again in (factories.encoded(img, quality=30), factories.encoded(img.resize((560, 420)), quality=95)):
        clean = reencode(again)
        assert clean.pixels_sha256 != first.pixels_sha256 and same_picture(clean.dhash, first.dhash)


def test_different_pictures_are_not_the_same_and_a_plain_colour_has_no_hash():
    hashes = [reencode(factories.encoded(factories.picture(seed=n), quality=90)).dhash for n in range(8)]
    assert not any(same_picture(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1:])
    assert reencode(factories.image_bytes("PNG", colour=(10, 200, 30))).dhash is None
