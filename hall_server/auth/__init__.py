"""Sign-in and tokens: citizens by NIK and one-time code, staff by password, guests.

The app factory wires it up in its lifespan::

    secret = resolve_secret_key(settings)
    auth = AuthService(sessions, secret, LogCodeSender(), token_ttl_s=..., code_ttl_s=...)
    app.state.auth = auth
    app.include_router(auth_router(), prefix="/api/v1/auth")
"""

from hall_server.auth.codes import CodeMessage, CodeSender, LogCodeSender
from hall_server.auth.routes import auth_router, require_role
from hall_server.auth.service import AuthService, CodeSent
from hall_server.auth.staff import create_staff, reset_staff_password, seed_dev_staff
from hall_server.auth.tokens import ROLES, Claims, Role, issue_token, verify_token

__all__ = [
    "ROLES",
    "AuthService",
    "Claims",
    "CodeMessage",
    "CodeSender",
    "CodeSent",
    "LogCodeSender",
    "Role",
    "auth_router",
    "create_staff",
    "issue_token",
    "require_role",
    "reset_staff_password",
    "seed_dev_staff",
    "verify_token",
]
