"""Log lines and request ids: one JSON object a line, each with the id of the request it belongs to."""

from __future__ import annotations

import logging
import re

import pytest

from portal import config, logs

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def trusting(app):
    app.config["TRUST_REQUEST_ID"] = True
    yield
    app.config["TRUST_REQUEST_ID"] = False


def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/no/such/page").headers["X-Request-ID"]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


def test_a_visitor_cannot_choose_their_request_id_unless_the_proxy_is_trusted(app, client):
    assert client.get("/healthz", headers={"X-Request-ID": "chosen-by-me"}).headers["X-Request-ID"] != "chosen-by-me"


def test_a_trusted_proxys_request_id_is_kept_when_it_is_short_and_plain(client, trusting):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.12:9"}).headers["X-Request-ID"] == "lb-7f3a.12:9"
    for bad in ("x" * 65, "two words", "-leading-dash", "id\twith-tab", "ид"):
        answered = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert HEX_ID.fullmatch(answered), bad


def test_a_request_writes_one_json_line_with_its_id_route_status_and_user(client, login_as, log_lines):
    me = login_as("client")
    response = client.get("/client/orders/911001")
    rid = response.headers["X-Request-ID"]
    mine = [line for line in log_lines() if line["request_id"] == rid]
    assert len(mine) == 1
    line = mine[0]
    assert line["logger"] == "portal.requests" and line["level"] == "INFO"
    assert line["message"].startswith("GET /client/orders/911001 404")
    assert line["route"] == "/client/orders/<int:order_id>" and line["status"] == 404
    assert line["user_id"] == me.id and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_a_visitors_line_has_no_user_id(client, log_lines):
    rid = client.get("/healthz").headers["X-Request-ID"]
    (line,) = [line for line in log_lines() if line["request_id"] == rid]
    assert "user_id" not in line


def test_lines_written_during_a_request_carry_its_id_and_an_error_its_traceback(client, monkeypatch, log_lines):
    def explode(*args, **kwargs):
        logging.getLogger("portal.test").info("about to fail")
        raise RuntimeError("the cat knocked the server over")

    monkeypatch.setattr("portal.htmx.render_template", explode)
    response = client.get("/careers/")
    rid = response.headers["X-Request-ID"]
    assert response.status_code == 500
    lines = [line for line in log_lines() if line["request_id"] == rid]
    assert [line["logger"] for line in lines] == ["portal.test", "portal", "portal.requests"]
    assert lines[1]["level"] == "ERROR" and "the cat knocked the server over" in lines[1]["exception"]
    assert lines[2]["status"] == 500


def test_outside_a_request_lines_have_no_request_id(log_lines):
    logging.getLogger("portal.test").warning("nobody asked")
    (line,) = [line for line in log_lines() if line["message"] == "nobody asked"]
    assert line["request_id"] is None and line["level"] == "WARNING"


def test_the_demo_logs_text_and_production_json(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert config.load()["LOG_FORMAT"] == "text"  # no SECRET_KEY: the demo
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    assert config.load()["LOG_FORMAT"] == "json"
    monkeypatch.setenv("LOG_FORMAT", "text")
    assert config.load()["LOG_FORMAT"] == "text"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        config.load()


def test_text_lines_name_the_request_too():
    with logs.bound(request_id="abc123"):
        record = logging.getLogRecordFactory()("portal.test", logging.INFO, __file__, 1, "booked %s", ("x",), None)
    text = logs.TextFormatter().format(record)
    assert "INFO portal.test [request_id=abc123]: booked x" in text
