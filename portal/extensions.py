"""Flask extensions, created once and initialised by ``create_app``."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from portal.db import db

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

__all__ = ["db", "login_manager", "csrf", "babel"]
