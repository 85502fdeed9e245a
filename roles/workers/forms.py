"""The worker's forms: a photo to check in, a photo of the signed report to finish."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from portal.i18n import lazy_gettext as _l


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo (JPEG, PNG or WebP, up to 10 MB)"),
                      validators=[FileRequired(_l("Choose a photo to upload."))])

    def raw(self) -> bytes:
        return self.photo.data.read()
