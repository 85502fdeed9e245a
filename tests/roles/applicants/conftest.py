"""Helpers for the applicant site's tests: a filled-in form, sent from an address."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

import pytest

from portal import clock
from roles.applicants.flood import form_started
from tests import factories
from tests.portal.applicants import factories as applicant_factories

_seq = itertools.count(1)


@pytest.fixture
def vacancy(db):
    service = applicant_factories.vacancy()
    db.session.commit()
    return service


@pytest.fixture
def apply_form(app, vacancy):
    """``apply_form(**changes)``: the fields of a genuine application, shown a minute ago."""

    def make(**changes):
        with app.test_request_context():
            started = form_started()
        clock.advance(timedelta(minutes=1))  # a person took a minute to fill it in
        n = next(_seq)
        data = {
            "name": f"Whiskers {n}", "email": f"whiskers{n}@example.test", "age": "3", "breed": "Tabby",
            "fur_colour": "grey", "service_type_id": str(vacancy.id), "about": "I am tidy.",
            "photo": (io.BytesIO(factories.image_bytes()), "me.png"), "started": started, "website": "",
        }
        data.update(changes)
        return data

    return make


def send(client, data, address="203.0.113.7", headers=None, **kw):
    """POST the form from ``address`` (the direct peer of the web server)."""
    return client.post("/careers/apply", data=data, content_type="multipart/form-data",
                       environ_overrides={"REMOTE_ADDR": address}, headers=headers or {}, **kw)
