"""The application factory."""

from __future__ import annotations

import logging

from flask import Flask, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as config_module
from portal import errors_pages, health, htmx, i18n, inputs, labels, logs, metrics, paging, security
from portal.extensions import babel, csrf, db, login_manager
from portal.money import Money
from portal.people import passwords

ROOT = config_module.ROOT


def create_app(test_config: dict | None = None, *, roles: str = "all") -> Flask:
    """Build the portal. ``roles="applicants"`` builds the public applicant site alone."""
    app = Flask(
        "portal",
        root_path=str(ROOT / "portal"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(config_module.load(test_config)["INSTANCE_PATH"]),
    )
    app.config.update(config_module.load(test_config))
    app.config["PORTAL_PART"] = roles
    logs.init_app(app)  # first: everything after logs with the request id
    inputs.init_app(app)  # before any route: it bounds every <int:…>

    _init_extensions(app)
    _init_demo_clock(app)
    _init_templates(app)
    security.init_app(app)
    htmx.init_app(app)
    errors_pages.init_app(app)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    _register_roles(app, roles)

    # The factory is the one place that wires jobs in (ARCHITECTURE.md).
    import jobs

    jobs.init_app(app)
    # Queues, outbox lag, scheduler lag, workers alive: read at each scrape of /metrics
    # (the broker side reaches it through the app extension jobs just set).
    from portal.operations import OperationsCollector

    metrics.register_collector(OperationsCollector(app))

    from portal import cli

    cli.init_app(app)
    if hops := app.config.get("TRUSTED_PROXY_HOPS"):
        # Behind a TLS-terminating proxy: the client's address, scheme and host. Outermost,
        # so WSGI middleware (the applicant site's flood gate) sees what the views see.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # our server-side session record does this
    passwords.configure(app.config["PASSWORD_TIME_COST"], app.config["PASSWORD_MEMORY_COST"])

    @app.teardown_appcontext
    def _close_session(exc):
        db.session.remove()


def _init_demo_clock(app: Flask) -> None:
    """Demo mode: the moved clock survives a restart (kept next to the demo database).
    ``CLOCK_OFFSET_FILE``: every process of a test deployment follows one offset."""
    from pathlib import Path

    from portal import clock

    if app.config.get("CLOCK_OFFSET_FILE"):
        logging.getLogger(__name__).warning(
            "the clock follows the offset in %s (CLOCK_OFFSET_FILE): never in production",
            app.config["CLOCK_OFFSET_FILE"])
        clock.keep_offset_in(app.config["CLOCK_OFFSET_FILE"])
    elif app.config["DEMO"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        clock.keep_offset_in(Path(app.instance_path) / "demo-clock-offset")


def _init_templates(app: Flask) -> None:
    from flask_babel import get_locale

    def money(cents) -> str:
        return Money(int(cents)).format(str(get_locale() or "en"))

    app.jinja_env.filters["money"] = money
    i18n.init_templates(app)

    # A static file's URL stays the same for the process's life (per script root): the page
    # shell writes six of them on every page, each a trip through the URL map.
    static_urls: dict[tuple[str, str], str] = {}

    def static_url(filename: str) -> str:
        key = (request.script_root, filename)
        url = static_urls.get(key)
        if url is None:
            url = static_urls[key] = url_for("static", filename=filename)
        return url

    app.jinja_env.globals["static_url"] = static_url
    paging.init_app(app)
    labels.init_app(app)
    app.jinja_env.globals["LANGUAGES"] = i18n.LANGUAGES
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["field_attrs"] = field_attrs

    @app.context_processor
    def _globals():
        from portal import clock

        # The banner's "now" whenever the demo clock is not the real time (never in production).
        portal_now = clock.now() if app.config["DEMO"] and clock.is_moved() else None
        return {"current_user": current_user, "demo": app.config["DEMO"], "portal_now": portal_now}

    @app.post("/language")
    def set_language():
        """Switch the language; remembered on the account or in the visitor's session."""
        from flask_wtf.csrf import validate_csrf  # noqa: F401 - CSRFProtect covers this route

        from portal import people

        lang = request.form.get("language", "")
        if lang in i18n.LANGUAGES:
            if current_user.is_authenticated:
                people.set_language(current_user.id, lang)
            session["lang"] = lang
        return redirect(security.safe_redirect_target(request.form.get("next")) or "/")

    @app.get("/")
    def index():
        """Each role lands on its own home; visitors on the login page."""
        from portal.auth import home_url

        if "auth.login" not in app.view_functions:  # the applicant site on its own
            return redirect(url_for("applicants.home"))
        if current_user.is_authenticated:
            return redirect(home_url(current_user))
        return redirect(url_for("auth.login"))

    @app.get("/apply")
    def apply_shortcut():
        """The short public address of the application form (printed on flyers)."""
        return redirect(url_for("applicants.apply"), 301)




def field_attrs(field, hint=None, autofocus=False) -> dict:
    """Accessibility attributes of a form field: invalid state and what describes it."""
    attrs: dict = {}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.id}-error"
    elif hint:
        attrs["aria-describedby"] = f"{field.id}-hint"
    if autofocus:
        attrs["autofocus"] = True
    return attrs


def _register_roles(app: Flask, roles: str) -> None:
    from roles import applicants, navigation, order_cells

    navigation.init_app(app)  # base.html's header, whichever roles this process serves
    order_cells.init_app(app)
    app.register_blueprint(applicants.bp)
    if roles == "applicants":
        return
    from roles import auth, clients, managers, warehouse, workers

    for module in (auth, clients, workers, managers, warehouse):
        app.register_blueprint(module.bp)
