"""People admin: managers list, search, view, invite staff, add workers, deactivate."""

import io
import re

import pytest
from PIL import Image

from portal import people
from tests import factories
from tests.accounts import account_count, emails_to, field_error, find_account, password_link, published

WORKER = {"name": "Oliver Paws", "email": "oliver@example.test", "age": "4", "breed": "Maine Coon",
          "fur_colour": "ginger", "about": "Fast and tidy.", "language": "en"}


@pytest.fixture
def manager(login_as):
    return login_as("manager", name="Marquise Whiskers")


def names_in(response) -> list[str]:
    """The names in the people table, top to bottom."""
    return re.findall(r'<td><a href="/manager/people/\d+">([^<]*)</a></td>', response.get_data(as_text=True))


# --- the list ----------------------------------------------------------------------

def test_the_list_shows_everyone_newest_first(client, manager):
    factories.user("client", name="Tom Tabby")
    factories.user("worker", name="Oliver Paws")

    page = client.get("/manager/people")

    assert page.status_code == 200
    assert names_in(page) == ["Oliver Paws", "Tom Tabby", "Marquise Whiskers"]
    assert "3 people" in page.get_data(as_text=True)


def test_search_by_name_or_email_in_any_case_and_filter_by_role(client, manager):
    factories.user("client", name="Tom Tabby", email="tom@example.test")
    factories.user("worker", name="Tomasz Paws", email="tp@example.test")
    factories.user("client", name="Luna Moon", email="moon.tom@example.test")

    assert names_in(client.get("/manager/people?q=TOM")) == ["Luna Moon", "Tomasz Paws", "Tom Tabby"]
    assert names_in(client.get("/manager/people?q=tom&role=client")) == ["Luna Moon", "Tom Tabby"]
    assert names_in(client.get("/manager/people?role=worker")) == ["Tomasz Paws"]


def test_a_percent_sign_in_the_search_is_a_character_not_a_wildcard(client, manager):
    factories.user("client", name="Tom Tabby")

    page = client.get("/manager/people?q=%25")

    assert names_in(page) == []
    assert "Nobody matches" in page.get_data(as_text=True)


def test_the_list_is_paginated_and_htmx_gets_only_the_table(client, manager):
    for i in range(30):
        factories.user("client", name=f"Client {i:02}")

    first = client.get("/manager/people?role=client")
    second = client.get("/manager/people?role=client&page=2", headers={"HX-Request": "true"})

    assert len(names_in(first)) == 25 and names_in(first)[0] == "Client 29"
    assert "Page 1 of 2" in first.get_data(as_text=True)
    assert 'href="/manager/people?role=client&amp;page=2"' in first.get_data(as_text=True)
    fragment = second.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="people-table">') and "<html" not in fragment
    assert names_in(second) == [f"Client {i:02}" for i in range(4, -1, -1)]
    assert "Page 2 of 2" in fragment


def test_a_boosted_navigation_gets_the_whole_page(client, manager):
    page = client.get("/manager/people", headers={"HX-Request": "true", "HX-Boosted": "true"})

    assert "<html" in page.get_data(as_text=True)


# --- one person ----------------------------------------------------------------------

def test_a_worker_page_shows_what_hiring_learned(client, manager):
    worker = factories.user("worker", name="Oliver Paws", breed="Maine Coon", fur_colour="ginger")

    page = client.get(f"/manager/people/{worker.id}").get_data(as_text=True)

    assert "Oliver Paws" in page and "Maine Coon" in page and "ginger" in page
    assert f'action="/manager/people/{worker.id}/deactivate"' in page


def test_an_unknown_person_is_a_404(client, manager):
    assert client.get("/manager/people/987654").status_code == 404


# --- inviting staff --------------------------------------------------------------------

@pytest.mark.parametrize("role", ["manager", "warehouse"])
def test_invited_staff_get_an_email_with_a_link_to_set_their_password(app, client, manager, role):
    response = client.post("/manager/staff/new", data={
        "role": role, "name": "Barsik Shelves", "email": "Barsik@Example.test", "language": "ru"})

    user = find_account("barsik@example.test")
    assert response.status_code == 303 and response.headers["Location"] == f"/manager/people/{user.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Barsik Shelves is invited by email." in page and "Not set yet" in page
    assert (user.role, user.language, user.password_hash) == (role, "ru", None)
    (invitation,) = emails_to("barsik@example.test")
    assert invitation.template == "invitation" and invitation.language == "ru"
    assert "Marquise Whiskers" in invitation.text_body
    assert published(f"{role}.invited")[0]["by"] == manager.id

    newcomer = app.test_client()
    newcomer.post(password_link(user.email), data={"password": "shelves and boxes", "confirm": "shelves and boxes"})
    assert newcomer.get(f"/{role}/" if role == "warehouse" else "/manager/").status_code == 200


@pytest.mark.parametrize("change, field, message", [
    ({"name": ""}, "name", "Enter a name."),
    ({"email": "barsik"}, "email", "This does not look like an email address."),
    ({"email": "TOM@example.test"}, "email", "An account with this email already exists."),
    ({"role": "client"}, "role", "Not a valid choice."),
])
def test_a_bad_invitation_shows_the_message_and_sends_nothing(client, manager, change, field, message):
    factories.user("client", email="tom@example.test")
    before = account_count()

    response = client.post("/manager/staff/new", data={
        "role": "warehouse", "name": "Barsik", "email": "barsik@example.test", "language": "en"} | change)

    assert response.status_code == 200
    assert message in field_error(response, field)
    assert account_count() == before
    assert emails_to("barsik@example.test") == [] and emails_to("tom@example.test") == []


def test_an_htmx_invitation_navigates_to_the_new_person(client, manager):
    response = client.post("/manager/staff/new", headers={"HX-Request": "true"}, data={
        "role": "warehouse", "name": "Barsik", "email": "barsik@example.test", "language": "en"})

    assert response.headers["HX-Redirect"] == f"/manager/people/{find_account('barsik@example.test').id}"


# --- adding a worker with a photo ----------------------------------------------------------

def add_worker(client, photo: bytes | None, filename: str = "oliver.jpg", **change):
    data = WORKER | change
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), filename)
    return client.post("/manager/workers/new", data=data, content_type="multipart/form-data")


def test_a_worker_photo_is_reencoded_without_its_gps_position_and_served(client, manager):
    response = add_worker(client, factories.image_bytes("JPEG", size=(800, 600), exif=factories.gps_exif()))

    worker = find_account("oliver@example.test")
    assert response.headers["Location"] == f"/manager/people/{worker.id}"
    page = client.get(f"/manager/people/{worker.id}").get_data(as_text=True)
    photo_url = re.search(r'<img class="avatar" src="(/manager/photos/\d+)"', page).group(1)
    served = client.get(photo_url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.data))
    assert image.format == "JPEG" and image.size == (800, 600)
    assert not image.getexif() and b"CatPhone" not in served.data
    assert "Oliver Paws is added and invited by email." in page and "Maine Coon" in page
    (welcome,) = emails_to("oliver@example.test")
    assert welcome.template == "worker_welcome" and "/set-password/" in welcome.text_body
    assert published("worker.added")[0]["by"] == manager.id


def test_a_png_with_transparency_becomes_a_jpeg(client, manager):
    img = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    out = io.BytesIO()
    img.save(out, "PNG")

    add_worker(client, out.getvalue(), filename="oliver.png")

    photo = people.worker_photo(find_account("oliver@example.test").id)
    assert photo.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).getpixel((0, 0)) == (255, 255, 255)


def test_a_worker_without_a_photo_is_fine(client, manager):
    response = add_worker(client, None)

    assert response.status_code == 303
    assert people.worker_photo(find_account("oliver@example.test").id) is None


@pytest.mark.parametrize("upload, filename, message", [
    (b"I am a text file, honest.\n" * 10, "oliver.jpg", "This file is not a photo we can read. Upload a JPEG, PNG or WebP."),
    (factories.image_bytes("GIF"), "oliver.gif", "Upload a JPEG, PNG or WebP photo."),
    (b"\xff\xd8" + b"0" * (10 * 1024 * 1024), "huge.jpg", "The photo is larger than 10 MB."),
    (factories.png_claiming(30_000, 30_000), "bomb.png", "The photo has too many pixels (at most 40 megapixels)."),
    (factories.png_claiming(8_000, 8_000), "big.png", "The photo has too many pixels (at most 40 megapixels)."),
], ids=["text-file-named-jpg", "gif", "oversized", "decompression-bomb", "too-many-pixels"])
def test_a_bad_photo_is_refused_next_to_the_field_and_nothing_is_written(client, manager, upload, filename, message):
    before = account_count()

    response = add_worker(client, upload, filename=filename)

    assert response.status_code == 200
    assert field_error(response, "photo") == message
    assert 'value="Oliver Paws"' in response.get_data(as_text=True)
    assert account_count() == before
    assert emails_to("oliver@example.test") == [] and published("worker.added") == []


def test_a_taken_email_keeps_the_photo_out_of_the_database_too(client, manager):
    factories.user("client", email="oliver@example.test")

    response = add_worker(client, factories.image_bytes("JPEG"))

    assert field_error(response, "email") == "An account with this email already exists."
    assert people.get_photo(1) is None


def test_a_bad_age_is_refused(client, manager):
    response = add_worker(client, None, age="forty-two")

    assert "Not a valid integer value." in field_error(response, "age")
    assert find_account("oliver@example.test") is None


def test_an_unknown_photo_is_a_404(client, manager):
    assert client.get("/manager/photos/987654").status_code == 404


# --- deactivating ----------------------------------------------------------------------

def test_deactivation_ends_the_sessions_at_once_and_only_the_right_password_learns_why(app, client, manager):
    worker = factories.user("worker", name="Oliver Paws")
    phone = app.test_client()
    phone.post("/login", data={"email": worker.email, "password": factories.PASSWORD})
    assert phone.get("/worker/").status_code == 200

    response = client.post(f"/manager/people/{worker.id}/deactivate")

    assert response.headers["Location"] == f"/manager/people/{worker.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Oliver Paws is deactivated and signed out." in page and "Reactivate" in page
    assert phone.get("/worker/").headers["Location"].startswith("/login")
    again = phone.post("/login", data={"email": worker.email, "password": factories.PASSWORD})
    assert b"This account is deactivated." in again.data
    guess = phone.post("/login", data={"email": worker.email, "password": "a guess at it"})
    nobody = phone.post("/login", data={"email": "nobody@example.test", "password": factories.PASSWORD})
    assert guess.status_code == nobody.status_code == 200
    assert b"Wrong email or password." in guess.data and b"deactivated" not in guess.data
    assert guess.data.count(b"Wrong email or password.") == nobody.data.count(b"Wrong email or password.")
    assert published("worker.deactivated")[0]["user_id"] == worker.id
    assert "deactivated" in client.get("/manager/people?role=worker").get_data(as_text=True)


def test_a_manager_cannot_deactivate_themselves(client, manager):
    response = client.post(f"/manager/people/{manager.id}/deactivate")

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    assert find_account(manager.email).active
    assert client.get("/manager/").status_code == 200


def test_reactivation_lets_the_account_sign_in_again(app, client, manager):
    client_user = factories.user("client", name="Tom Tabby", active=False)

    response = client.post(f"/manager/people/{client_user.id}/reactivate")

    assert "Tom Tabby is active again." in client.get(response.headers["Location"]).get_data(as_text=True)
    signed_in = app.test_client().post("/login", data={"email": client_user.email, "password": factories.PASSWORD})
    assert signed_in.headers["Location"] == "/client/"
    assert published("client.reactivated")[0]["by"] == manager.id


def test_the_overview_counts_active_accounts_by_role(client, manager):
    factories.user("client")
    factories.user("client")
    factories.user("client", active=False)
    factories.user("worker")

    page = client.get("/manager/").get_data(as_text=True)
    people = page[page.index("</section>"):]  # after what needs action

    counts = dict((label, int(n)) for n, label in re.findall(
        r'<span class="stat-number">(\d+)</span>\s*<span class="stat-label">([^<]+)</span>', people))
    assert counts == {"active clients": 2, "active worker": 1, "active manager": 1, "warehouse staff members": 0}


def test_search_ignores_case_in_every_alphabet(client, manager):
    factories.user("client", name="Мурка Петровна")

    assert names_in(client.get("/manager/people?q=мурка")) == ["Мурка Петровна"]
