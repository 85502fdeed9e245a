"""WSGI entry points: ``gunicorn wsgi:app`` (the portal), ``gunicorn wsgi:applicants_app``."""

from portal.app import create_app

app = create_app()
# The public applicant site alone, for its own machines behind the DDoS proxy.
applicants_app = create_app(roles="applicants")
