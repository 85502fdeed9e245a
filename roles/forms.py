"""Form helpers every role uses (not a role itself)."""

from __future__ import annotations

from portal.errors import DomainError


def apply_domain_error(form, exc: DomainError) -> None:
    """Show a refused operation's message next to its field, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)
