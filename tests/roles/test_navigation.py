"""Links the templates build without Werkzeug's URL map: the same URLs as ``url_for``."""

from __future__ import annotations

import pytest
from flask import url_for

from roles.navigation import id_url


@pytest.mark.parametrize("script_root", ["", "/portal"])
def test_an_id_link_is_the_url_url_for_builds_under_any_script_root(app, script_root):
    cases = [("managers.order", "order_id", 7), ("managers.person", "user_id", 2_000_000_123),
             ("clients.order", "order_id", 1), ("workers.order", "order_id", 4242)]
    with app.test_request_context("/", base_url=f"http://localhost{script_root}/"):
        for endpoint, name, value in cases:
            assert id_url(endpoint, **{name: value}) == url_for(endpoint, **{name: value})
            assert id_url(endpoint, **{name: value}).startswith(f"{script_root}/")
