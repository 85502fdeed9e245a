"""The managers' mail viewer: every outgoing email, its delivery state and its body."""

from __future__ import annotations

import re

import pytest

from portal.db import transaction
from portal.notifications import deliver_email, get_email, queue_email


def _send(*recipients: str, language: str = "en") -> list[int]:
    """Queue a welcome email to each recipient and make one delivery try of each."""
    with transaction():
        ids = [queue_email(to, "welcome", language, name=to.split("@")[0].title()).id for to in recipients]
    for email_id in ids:
        deliver_email(email_id)
    return ids


def _rows(html: bytes) -> list[str]:
    """The recipients shown in the emails table, top to bottom."""
    return re.findall(r"<td>([^<@]+@example\.test)</td>", html.decode())


def test_a_manager_sees_each_email_with_its_state_tries_and_last_error(client, login_as, smtp_server):
    login_as("manager")
    _send("sent@example.test")
    smtp_server.refuse(1)
    _send("later@example.test")
    smtp_server.refuse(1, "550 5.1.1 No such mailbox")
    _send("gone@example.test")

    page = client.get("/manager/emails")
    assert page.status_code == 200
    html = page.data.decode()
    assert _rows(page.data) == ["gone@example.test", "later@example.test", "sent@example.test"]
    assert "Welcome to MCF, Later" in html
    assert 'class="badge badge-sent"' in html
    assert 'class="badge badge-retrying"' in html and "Try again later" in html
    assert 'class="badge badge-failed"' in html and "No such mailbox" in html
    assert "3 emails" in html


def test_emails_are_filtered_by_state_and_searched_by_recipient_or_subject(client, login_as, smtp_server):
    login_as("manager")
    _send("tom@example.test", "tabby@example.test")
    smtp_server.refuse(1, "550 5.1.1 No such mailbox")
    _send("ghost@example.test")

    assert _rows(client.get("/manager/emails?state=failed").data) == ["ghost@example.test"]
    assert _rows(client.get("/manager/emails?state=sent").data) == ["tabby@example.test", "tom@example.test"]
    assert _rows(client.get("/manager/emails?q=TOM@").data) == ["tom@example.test"]
    assert _rows(client.get("/manager/emails?q=Welcome+to+MCF,+Tabby").data) == ["tabby@example.test"]
    nothing = client.get("/manager/emails?q=%25")  # a literal "%", not a wildcard
    assert _rows(nothing.data) == [] and b"No emails match" in nothing.data
    assert len(_rows(client.get("/manager/emails?state=nonsense").data)) == 3


def test_emails_are_paginated_and_htmx_gets_the_table_alone(client, login_as):
    login_as("manager")
    _send(*[f"cat{n:02d}@example.test" for n in range(30)])

    first = client.get("/manager/emails")
    assert _rows(first.data)[:2] == ["cat29@example.test", "cat28@example.test"] and len(_rows(first.data)) == 25
    assert b"Page 1 of 2" in first.data and b"30 emails" in first.data
    second = client.get("/manager/emails?page=2&q=cat", headers={"HX-Request": "true"})
    assert _rows(second.data) == [f"cat{n:02d}@example.test" for n in range(4, -1, -1)]
    assert b"<html" not in second.data and b'id="emails-table"' in second.data
    assert b'href="/manager/emails?page=1&amp;q=cat"' in second.data  # keeps the search


def test_the_list_costs_the_same_queries_for_3_or_30_emails(client, login_as, count_queries):
    login_as("manager")
    _send(*[f"few{n}@example.test" for n in range(3)])
    with count_queries() as few:
        client.get("/manager/emails")
    _send(*[f"many{n}@example.test" for n in range(27)])
    with count_queries() as many:
        client.get("/manager/emails")
    assert many.count == few.count


def test_without_smtp_emails_wait_in_the_mail_viewer(app, client, login_as):
    assert app.config["SMTP_HOST"] is None
    login_as("manager")
    [email_id] = _send("tom@example.test")

    listing = client.get("/manager/emails").data.decode()
    assert "No SMTP server is configured" in listing
    assert 'class="badge badge-kept"' in listing and "in mail viewer" in listing
    assert f'href="/manager/emails/{email_id}"' in listing


def test_one_email_shows_its_headers_html_frame_and_plain_text(app, db, client, login_as):
    login_as("manager")
    [email_id] = _send("ivan@example.test", language="ru")

    page = client.get(f"/manager/emails/{email_id}")
    assert page.status_code == 200
    html = page.data.decode()
    assert f"<h1>{get_email(email_id).subject}</h1>" in html  # in Russian, as Ivan reads it
    assert "MCF portal &lt;noreply@mcf.test&gt;" in html and "ivan@example.test" in html
    assert "Русский" in html
    frame = re.search(r"<iframe[^>]*>", html).group(0)
    assert f'src="/manager/emails/{email_id}/html"' in frame
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in frame
    assert '<pre class="email-text">' + get_email(email_id).text_body.splitlines()[0] in html
    # The page itself keeps the portal's policy; its default-src 'self' lets the frame load.
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp


def test_the_email_html_is_served_sandboxed_and_only_to_our_own_pages(client, login_as, db):
    login_as("manager")
    [email_id] = _send("tom@example.test")

    response = client.get(f"/manager/emails/{email_id}/html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert b'<html lang="en">' in response.data and b"Hello Tom," in response.data
    csp = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    assert csp[0].startswith("sandbox") and "allow-scripts" not in csp[0] and "allow-same-origin" not in csp[0]
    assert "default-src 'none'" in csp and "frame-ancestors 'self'" in csp
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_links_of_an_email_kept_before_its_layout_opened_them_outside_still_open_in_a_new_tab(client, login_as, db):
    login_as("manager")
    [email_id] = _send("tom@example.test")
    old = get_email(email_id)
    old.html_body = '<html><head><title>Old</title></head><body><a href="http://x.test/">Set password</a></body></html>'
    db.session.commit()

    html = client.get(f"/manager/emails/{email_id}/html").get_data(as_text=True)
    assert html.startswith('<html><head><base target="_blank"><title>Old</title>')
    # One that has it already is served as it is.
    [new_id] = _send("ann@example.test")
    assert client.get(f"/manager/emails/{new_id}/html").get_data(as_text=True) == get_email(new_id).html_body


def test_links_in_the_plain_text_open_in_a_new_tab_and_the_text_stays_escaped(client, login_as, db):
    login_as("manager")
    [email_id] = _send("tom@example.test")
    email = get_email(email_id)
    email.text_body = "Set your password: https://mcf.test/set-password/abc?x=1&y=2\n<b>not bold</b>"
    db.session.commit()
    html = client.get(f"/manager/emails/{email_id}").get_data(as_text=True)
    assert ('<a href="https://mcf.test/set-password/abc?x=1&amp;y=2" rel="noopener" target="_blank">'
            in html)
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html


def test_the_viewer_finds_emails_by_recipient(client, login_as):
    login_as("manager")
    _send("tom@example.test", "ann@example.test", "tomas@example.test")
    assert _rows(client.get("/manager/emails?q=TOM").data) == ["tomas@example.test", "tom@example.test"]


def test_an_unknown_email_is_not_found(client, login_as):
    login_as("manager")
    assert client.get("/manager/emails/999").status_code == 404
    assert client.get("/manager/emails/999/html").status_code == 404


@pytest.mark.parametrize("path", ["/manager/emails", "/manager/emails/{id}", "/manager/emails/{id}/html"])
def test_only_managers_read_emails(client, login_as, path):
    [email_id] = _send("tom@example.test")
    url = path.format(id=email_id)

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for role in ("client", "worker", "warehouse"):
        login_as(role)
        assert client.get(url).status_code == 403
        client.post("/logout")
