"""Crafted numbers and query strings never crash a page: every GET route of the portal, walked
with ids past 64 bits, ids at the edge, and a query string made to break things."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from portal import orders
from portal.inputs import MAX_ID
from tests import factories
from tests.authz_matrix import browser, url_of, who_may_open

PAST_64_BITS = 99999999999999999999  # > 2**64
CRAFTED_QUERY = ("page=99999999999999999999&endpoint=x&_method=POST&_external=1&_anchor=x"
                 "&service_type=99999999999999999999&vacancy=99999999999999999999&weeks=99999999999999999999"
                 "&q=%23999999999999999999999&client=%25&worker=_&since=9999-12-31&until=9999-12-31"
                 "&date_from=0001-01-01&date_to=9999-12-31&day=9999-12-31")


def _get_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "static"]


def _id_arguments(rule) -> list[str]:
    return [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]


def _visitors(app):
    cache = {}

    def visitor(endpoint):
        who = who_may_open(endpoint)
        if who not in cache:
            cache[who] = browser(app, who)
        return cache[who]

    return visitor


def test_ids_past_64_bits_in_a_path_are_not_found(app, db):
    visitor = _visitors(app)
    crashes, walked = [], 0
    for rule in _get_rules(app):
        ids = _id_arguments(rule)
        if not ids:
            continue
        client, user = visitor(rule.endpoint)
        for value in (PAST_64_BITS, 2**63, MAX_ID + 1):
            path = url_of(rule, user, **{name: value for name in ids})
            status = client.get(path).status_code
            walked += 1
            if status != 404:
                crashes.append(f"{path}: {status}")
    assert walked > 30  # the walk really covered the portal's pages with ids
    assert not crashes, "\n".join(crashes)


def test_the_largest_id_a_database_holds_is_simply_not_found(app, db):
    """The largest id passes the URL converter and reaches the database: no overflow there either."""
    visitor = _visitors(app)
    crashes = []
    for rule in _get_rules(app):
        ids = _id_arguments(rule)
        if not ids:
            continue
        client, user = visitor(rule.endpoint)
        path = url_of(rule, user, **{name: MAX_ID for name in ids})
        status = client.get(path).status_code
        if status >= 500:
            crashes.append(f"{path}: {status}")
    assert not crashes, "\n".join(crashes)


def test_every_page_survives_a_crafted_query_string(app, db):
    visitor = _visitors(app)
    crashes = []
    for rule in _get_rules(app):
        client, user = visitor(rule.endpoint)
        path = url_of(rule, user)
        past_32_bits = CRAFTED_QUERY.replace("99999999999999999999", str(MAX_ID + 1))
        for query in (CRAFTED_QUERY, CRAFTED_QUERY.replace("page=99999999999999999999", "page=1"), past_32_bits):
            response = client.get(f"{path}?{query}")
            if response.status_code >= 500:
                crashes.append(f"{path}?{query[:40]}…: {response.status_code}")
    assert not crashes, "\n".join(crashes)


def test_a_page_number_past_64_bits_is_a_missing_page(client, login_as):
    login_as("manager")
    assert client.get("/manager/orders?page=99999999999999999999").status_code == 404
    assert client.get("/manager/orders?page=abc").status_code == 404
    assert client.get("/manager/orders?page=2").status_code == 200


def test_pagination_links_keep_the_filters_and_ignore_crafted_arguments(app, client, login_as):
    login_as("manager")
    for n in range(app.config["PER_PAGE"] + 1):
        factories.user("worker", name=f"Tabby {n}")
    response = client.get("/manager/people?role=worker&q=tabby&endpoint=x&_method=POST")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'rel="next"' in page
    next_link = page.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert next_link.startswith("/manager/people?")
    assert "role=worker" in next_link and "q=tabby" in next_link and "page=2" in next_link
    second = client.get(next_link.replace("&amp;", "&"))
    assert second.status_code == 200
    assert 'rel="prev"' in second.get_data(as_text=True)


HUGE = "99999999999999999999"
# Every number a form of the portal reads, each set past 64 bits (fields a route does not know are ignored).
CRAFTED_FORM = {name: HUGE for name in (
    "age", "amount", "assignee", "base_price", "cause", "choice", "hours", "pass_mark", "percent", "points",
    "service_type", "service_type_id", "stake", "stars", "test_id", "test_ids", "test_set_id",
    "time_limit_minutes", "version", "weight", "page")} | {
    "date": "9999-12-31", "since": "9999-12-31", "until": "0001-01-01", "time": "23:59",
    "outcome": "completed", "reason": "=1+1", "worker": "worker@example.test", "name": "Crafted",
    "name_en": "Crafted", "name_ru": "Крафт", "code": "crafted", "description": "x", "address": "x",
    "title": "Crafted", "text": "Crafted?", "choices": "*a\nb", "findings": "x", "email": "crafted@example.test"}


def test_every_form_survives_numbers_past_64_bits(app, db):
    visitor = _visitors(app)
    crashes, posted = [], 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        client, user = visitor(rule.endpoint)
        path = url_of(rule, user)
        for huge in (HUGE, str(MAX_ID + 1)):  # past what SQLite holds; past PostgreSQL's INTEGER
            status = client.post(path, data={k: huge if v == HUGE else v for k, v in CRAFTED_FORM.items()}).status_code
            posted += 1
            if status >= 500:
                crashes.append(f"POST {path} with {huge}: {status}")
    assert posted > 30
    assert not crashes, "\n".join(crashes)


def test_a_nul_character_in_a_search_or_a_form_is_a_bad_request(client, login_as, db):
    """PostgreSQL's text cannot hold U+0000: each of these was a 500 there."""
    login_as("manager")
    for url in ("/manager/people?q=a%00b", "/manager/orders?q=a%00b", "/manager/orders?client=a%00b",
                "/manager/emails?q=a%00b", "/manager/applicants?q=a%00b"):
        assert client.get(url).status_code == 400, url
    response = client.post("/manager/service-types/new", data={
        "code": "garden", "name_en": "Gar\x00den", "name_ru": "Сад", "base_price": "10"})
    assert response.status_code == 400
    assert orders.list_service_types() == []
    assert client.get("/manager/people?q=ab").status_code == 200


def test_a_date_no_day_can_be_counted_from_gets_a_message(client, login_as, db):
    login_as("manager")
    page = client.get("/manager/orders?date_to=9999-12-31")
    assert page.status_code == 200 and b"To: not a date; ignored." in page.data
    board = client.get("/warehouse/?day=9999-12-31")
    assert board.status_code == 200 and b"not a date; ignored." in board.data
    report = client.get("/manager/billing?until=9999-12-31")  # the report falls back to the last 91 days
    assert report.status_code == 200 and b"Revenue by week" in report.data
