"""The public application form: clear messages, nothing written on bad input, one application per email."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from portal import applicants
from portal.applicants.models import ApplicantPhoto, Application, ApplicationNote
from portal.notifications import Email
from tests.roles.applicants.conftest import send


def _count(db, model=Application):
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_form_shows_every_field_and_the_open_vacancies(client, vacancy):
    page = client.get("/careers/apply").get_data(as_text=True)
    for label in ("Your name", "Your email", "Age, years", "Breed", "Fur colour", "A few words about yourself",
                  "Your photo", "The work you want to do"):
        assert label in page
    assert vacancy.name_en in page


def test_a_genuine_application_is_received_and_confirmed_by_email(client, db, apply_form):
    data = apply_form(name="Mia Paws", email="Mia@Example.test")
    response = send(client, data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/careers/apply/sent"
    thanks = client.get("/careers/apply/sent").get_data(as_text=True)
    assert "your application is sent" in thanks
    assert "/careers/status/" not in thanks  # the personal link only goes to the mailbox

    application = db.session.scalar(select(Application))
    assert (application.name, application.email, application.stage) == ("Mia Paws", "mia@example.test", "new")
    email = db.session.scalar(select(Email).where(Email.to == "mia@example.test"))
    link = re.search(r"http://portal\.test(/careers/status/[\w-]+)", email.text_body).group(1)
    status = client.get(link).get_data(as_text=True)
    assert "Your application, Mia Paws" in status and "Received on" in status


def test_missing_and_wrong_fields_are_explained_next_to_them_and_nothing_is_written(client, db, apply_form):
    data = apply_form(name="", age="99", email="not-an-email", service_type_id="0")
    page = send(client, data).get_data(as_text=True)
    for message in ("Tell us your name.", "Age is 0 to 40 years.", "This does not look like an email address.",
                    "Choose the work you want to do."):
        assert message in page
    assert 'aria-invalid="true"' in page
    assert _count(db) == 0


def test_a_file_that_is_not_a_photo_is_refused_next_to_the_photo(client, db, apply_form):
    data = apply_form(photo=(io.BytesIO(b"MZ\x90\x00 not a picture"), "cat.png"))
    page = send(client, data).get_data(as_text=True)
    assert "Upload a JPEG, PNG or WebP photo." in page
    assert _count(db) == 0


def test_a_filled_honeypot_looks_sent_but_writes_nothing(client, db, apply_form):
    response = send(client, apply_form(website="http://spam.example"))
    assert response.status_code == 303 and response.headers["Location"] == "/careers/apply/sent"
    assert _count(db) == 0 and _count(db, Email) == 0


def test_a_form_sent_back_within_seconds_is_refused(client, db, app, apply_form):
    from roles.applicants.flood import form_started

    data = apply_form()
    with app.test_request_context():
        data["started"] = form_started()  # shown just now
    page = send(client, data).get_data(as_text=True)
    assert "That was very quick" in page
    assert _count(db) == 0


def test_a_forged_fill_time_stamp_is_refused(client, db, apply_form):
    page = send(client, apply_form(started="1700000000.0")).get_data(as_text=True)
    assert "That was very quick" in page
    assert _count(db) == 0


def _emails_to(db, address):
    db.session.remove()
    return list(db.session.scalars(select(Email).where(Email.to == address).order_by(Email.id)))


def _path(email, pattern):
    return re.search(rf"http://portal\.test({pattern}[\w-]+)", email.text_body).group(1)


def test_someone_else_applying_with_an_email_changes_nothing_until_its_owner_confirms(client, db, apply_form):
    send(client, apply_form(email="mia@example.test", name="Mia Paws", breed="Siamese"))
    (received,) = _emails_to(db, "mia@example.test")
    status_link = _path(received, "/careers/status/")
    original = db.session.scalar(select(Application))
    photo_id = original.photo_id

    response = send(client, apply_form(email="MIA@example.test", name="Not Mia", breed="Sphynx", about="Spam."),
                    address="198.51.100.9")

    assert response.status_code == 303 and response.headers["Location"] == "/careers/apply/sent"  # as for anyone
    application = db.session.scalar(select(Application))
    assert (application.name, application.breed, application.photo_id, application.times_applied) == (
        "Mia Paws", "Siamese", photo_id, 1)
    assert not application.flagged
    assert "Your application, Mia Paws" in client.get(status_link).get_data(as_text=True)  # the link still works
    confirm = _emails_to(db, "mia@example.test")[-1]
    assert confirm.template == "applicant_change_confirm" and "Not Mia" not in confirm.text_body
    assert _count(db) == 1


def test_the_owner_of_the_address_sees_the_new_details_and_confirms_them(client, db, apply_form):
    send(client, apply_form(email="twice@example.test", name="First Name"))
    send(client, apply_form(email="TWICE@example.test", name="Second Name"), address="198.51.100.9")
    link = _path(_emails_to(db, "twice@example.test")[-1], "/careers/changes/")

    page = client.get(link).get_data(as_text=True)
    assert "Second Name" in page and db.session.scalar(select(Application)).name == "First Name"
    confirmed = client.post(link)

    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/careers/changes/confirmed"
    assert _count(db) == 1
    application = db.session.scalar(select(Application))
    assert application.name == "Second Name" and application.times_applied == 2 and application.flagged
    log = [applicants.note_text(n) for n in db.session.scalars(select(ApplicationNote))]
    assert any("Applied again (2 times)" in text for text in log)
    new_status = _emails_to(db, "twice@example.test")[-1]
    assert new_status.template == "applicant_received"
    assert "Second Name" in client.get(_path(new_status, "/careers/status/")).get_data(as_text=True)
    assert client.post(link).status_code == 410  # once
    assert db.session.scalar(select(Application)).times_applied == 2


def test_an_application_gets_at_most_three_confirmation_emails_a_day(client, db, apply_form):
    send(client, apply_form(email="mia@example.test"))
    for n in range(5):
        send(client, apply_form(email="mia@example.test", name=f"Spam {n}"), address=f"198.51.100.{n + 1}")

    assert [e.template for e in _emails_to(db, "mia@example.test")] == [
        "applicant_received"] + ["applicant_change_confirm"] * 3
    assert _count(db, ApplicantPhoto) == 1 + 3  # nothing kept from the refused ones


def test_a_change_link_expires(client, db, apply_form):
    from datetime import timedelta

    from portal import clock

    send(client, apply_form(email="late@example.test", name="First Name"))
    send(client, apply_form(email="late@example.test", name="Second Name"))
    link = _path(_emails_to(db, "late@example.test")[-1], "/careers/changes/")
    clock.advance(timedelta(hours=48, seconds=1))

    assert client.get(link).status_code == 410
    assert client.post(link).status_code == 410
    assert db.session.scalar(select(Application)).name == "First Name"


def test_applicant_pages_show_no_staff_navigation(client, db, login_as):
    login_as("manager")
    page = client.get("/careers/apply").get_data(as_text=True)
    assert "/manager/" not in page and "Sign out" not in page


def test_a_wrong_status_link_is_not_found(client, db):
    assert client.get("/careers/status/guessed-token").status_code == 404
