"""People: accounts of clients, workers and staff, their profiles and sessions.

Other packages use only what is named here. Events published (payload: the public
fields of the account, see ``accounts._public``): ``client.registered``,
``manager.created`` (command line), ``manager.invited`` / ``warehouse.invited``,
``worker.added``, ``<role>.updated``, ``<role>.deactivated``, ``<role>.reactivated``.
"""

from portal.people.accounts import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    REGISTRATION_LINK_HOURS,
    STAFF_ROLES,
    DEACTIVATED,
    AccountDeactivated,
    InvalidLogin,
    LoginThrottled,
    add_worker,
    authenticate,
    carry_sessions_over,
    change_password,
    close_session,
    confirm_registration,
    active_accounts_by_role,
    create_manager,
    get_person,
    get_users,
    get_user,
    invite_staff,
    normalize_email,
    open_session,
    password_token_user,
    pending_registration,
    purge_expired,
    register_client,
    request_registration,
    search_people,
    session_deactivated,
    session_user,
    set_active,
    set_skills,
    set_language,
    set_password_with_token,
    update_profile,
    valid_email,
    worker_profile,
)
from portal.people.demo import DEMO_PASSWORD, demo_logins
from portal.people.models import LANGUAGES, ROLES, Photo, User, WorkerProfile
from portal.people.photos import get_photo, worker_photo

__all__ = [
    "DEMO_PASSWORD", "LANGUAGES", "MAX_PASSWORD", "MIN_PASSWORD", "REGISTRATION_LINK_HOURS", "ROLES", "STAFF_ROLES",
    "AccountDeactivated", "DEACTIVATED", "InvalidLogin", "LoginThrottled", "Photo", "User", "WorkerProfile", "add_worker",
    "authenticate", "carry_sessions_over", "change_password", "close_session", "confirm_registration", "active_accounts_by_role", "create_manager",
    "demo_logins", "get_person", "get_photo", "get_user", "get_users", "invite_staff", "normalize_email",
    "open_session", "password_token_user", "pending_registration", "purge_expired", "register_client", "request_registration", "search_people",
    "session_deactivated", "session_user", "set_active", "set_skills", "set_language", "set_password_with_token", "update_profile",
    "valid_email", "worker_photo", "worker_profile",
]
