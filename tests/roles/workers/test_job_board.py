import io

import pytest

from tests import factories
from tests.portal.orders.factories import book, photo, refresh
from tests.portal.warehouse.factories import issued_kit


def _upload(data: bytes, name: str = "photo.png"):
    return {"photo": (io.BytesIO(data), name)}


def test_the_board_shows_where_when_what_and_the_client(client, login_as, db):
    login_as("worker")
    customer = factories.user("client", name="Whiskers McPaw")
    book(client=customer, description="Walk the dog", address="9 Bark Street")
    page = client.get("/worker/")
    assert b"Walk the dog" in page.data and b"9 Bark Street" in page.data
    assert b"Whiskers McPaw" in page.data


def test_check_in_and_finish_with_photos(client, login_as, db):
    login_as("worker")
    order = book(hours_ahead=0.25)
    issued_kit(order)
    response = client.post(f"/worker/orders/{order.id}/check-in", data=_upload(photo()), follow_redirects=True)
    assert b"Checked in" in response.data and b"Check-in photo" in response.data
    response = client.post(f"/worker/orders/{order.id}/finish", data=_upload(photo()), follow_redirects=True)
    assert b"The order is completed." in response.data
    assert refresh(order).state == "completed"
    image = client.get(f"/worker/orders/{order.id}/photos/report")
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"


def test_check_in_too_early_is_refused_with_a_clear_message(client, login_as, db):
    login_as("worker")
    order = book(hours_ahead=5)
    response = client.post(f"/worker/orders/{order.id}/check-in", data=_upload(photo()))
    assert response.status_code == 200 and b"Check-in opens 30 minutes before the start." in response.data
    assert refresh(order).state == "assigned"


def test_the_check_in_window_in_the_message_follows_the_setting(app, client, login_as, db, monkeypatch):
    monkeypatch.setitem(app.config, "ORDERS_CHECK_IN_EARLY_MINUTES", 45)
    login_as("worker")
    order = book(hours_ahead=5)
    response = client.post(f"/worker/orders/{order.id}/check-in", data=_upload(photo()))
    assert b"Check-in opens 45 minutes before the start." in response.data


def test_a_text_file_renamed_jpg_is_refused(client, login_as, db):
    login_as("worker")
    order = book(hours_ahead=0.25)
    issued_kit(order)
    response = client.post(f"/worker/orders/{order.id}/check-in", data=_upload(b"not a photo at all", "x.jpg"))
    assert b"JPEG, PNG or WebP" in response.data
    assert refresh(order).state == "assigned"


def test_an_oversized_file_is_refused(client, login_as, db):
    login_as("worker")
    order = book(hours_ahead=0.25)
    issued_kit(order)
    big = photo() + b"\0" * (10 * 1024 * 1024)
    response = client.post(f"/worker/orders/{order.id}/check-in", data=_upload(big))
    assert b"larger than 10 MB" in response.data
    assert refresh(order).state == "assigned"


def test_a_decompression_bomb_is_refused(client, login_as, db):
    login_as("worker")
    order = book(hours_ahead=0.25)
    issued_kit(order)
    bomb = factories.image_bytes("PNG", size=(9000, 9000), colour=(0, 0, 0))
    response = client.post(f"/worker/orders/{order.id}/check-in", data=_upload(bomb))
    assert b"too many pixels" in response.data
    assert refresh(order).state == "assigned"


def test_gps_exif_is_stripped(client, login_as, db):
    from PIL import Image

    login_as("worker")
    order = book(hours_ahead=0.25)
    issued_kit(order)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (55.0, 45.0, 0.0)}  # GPSInfo
    raw = factories.image_bytes("JPEG", exif=exif.tobytes())
    assert b"GPS" in raw or len(Image.open(io.BytesIO(raw)).getexif()) > 0
    client.post(f"/worker/orders/{order.id}/check-in", data=_upload(raw))
    served = client.get(f"/worker/orders/{order.id}/photos/check_in")
    assert served.status_code == 200
    assert len(Image.open(io.BytesIO(served.data)).getexif()) == 0


def test_a_reused_photo_is_refused(client, login_as, db):
    login_as("worker")
    first = book(hours_ahead=0.25)
    issued_kit(first)
    same = photo()
    client.post(f"/worker/orders/{first.id}/check-in", data=_upload(same))
    response = client.post(f"/worker/orders/{first.id}/finish", data=_upload(same))
    assert b"already used for an order" in response.data
    assert refresh(first).state == "in_progress"


SAME_PICTURE = {
    "at another JPEG quality": lambda img: factories.encoded(img, quality=40),
    "with one byte appended": lambda img: factories.encoded(img, quality=90) + b"\0",
    "resized slightly": lambda img: factories.encoded(img.resize((600, 450)), quality=85),
    "saved as PNG": lambda img: factories.encoded(img, "PNG"),
}


@pytest.mark.parametrize("again", SAME_PICTURE.values(), ids=SAME_PICTURE.keys())
def test_the_same_picture_saved_again_is_refused_and_another_accepted(client, login_as, db, again):
    login_as("worker")
    first = book(hours_ahead=0.25)
    issued_kit(first)
    taken = factories.picture(seed=1)
    checked_in = client.post(f"/worker/orders/{first.id}/check-in", data=_upload(factories.encoded(taken, quality=90)))
    assert checked_in.status_code == 303
    response = client.post(f"/worker/orders/{first.id}/finish", data=_upload(again(taken)))
    assert b"This picture was already used for an order" in response.data
    assert refresh(first).state == "in_progress"
    another = client.post(f"/worker/orders/{first.id}/finish",
                          data=_upload(factories.encoded(factories.picture(seed=2), quality=90)))
    assert another.status_code == 303 and refresh(first).state == "completed"


def test_another_worker_cannot_check_in_or_see_the_order(client, login_as, db):
    owner = factories.user("worker")
    order = book(hours_ahead=0.25)
    assert order.worker_id == owner.id
    login_as("worker")
    assert client.get(f"/worker/orders/{order.id}").status_code == 404
    assert client.post(f"/worker/orders/{order.id}/check-in", data=_upload(photo())).status_code == 404
    assert refresh(order).state == "assigned"
