"""People: accounts of clients, workers and staff, their profiles and sessions."""

from portal.people.accounts import (
    InvalidLogin,
    LoginThrottled,
    add_worker,
    authenticate,
    change_password,
    close_session,
    counts_by_role,
    create_manager,
    get_user,
    invite_staff,
    normalize_email,
    open_session,
    password_token_user,
    purge_expired,
    register_client,
    search_people,
    session_user,
    set_active,
    set_language,
    set_password_with_token,
    update_profile,
)
from portal.people.models import LANGUAGES, ROLES, Photo, User, WorkerProfile
from portal.people.photos import save_photo, get_photo

__all__ = [
    "LANGUAGES", "ROLES", "InvalidLogin", "LoginThrottled", "Photo", "User", "WorkerProfile",
    "add_worker", "authenticate", "change_password", "close_session", "counts_by_role",
    "create_manager", "get_photo", "get_user", "invite_staff", "normalize_email", "open_session",
    "password_token_user", "purge_expired", "register_client", "save_photo", "search_people",
    "session_user", "set_active", "set_language", "set_password_with_token", "update_profile",
]
