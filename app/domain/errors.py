"""Typed domain errors.

Every refusal carries a stable ``code`` (for tests, logs and the sync protocol), the
Chinese sentence shown to the user (``message``), and the parameters it was built
from. ``field`` names the form field a validation error belongs to, so a form can
show the message next to it.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain and the services raise."""

    def __init__(self, code: str, message: str, *, field: str | None = None, **params: object):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.params = params

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """Input that is malformed: a bad ID number, an empty required field."""


class TransitionError(DomainError):
    """An action the case's current state does not allow."""


class PermissionDenied(DomainError):
    """The actor's role, department or relation to the case forbids the action."""


class NotFound(DomainError):
    """A referenced case, matter, user or seal does not exist."""


class AuthenticationError(DomainError):
    """Wrong credentials, a locked account, a wrong re-entered password."""


class SealRefused(DomainError):
    """The seal cannot be applied: revoked, suspended, expired, foreign, not custodian."""


class ConflictError(DomainError):
    """A state that another actor changed first (sync conflicts, stale edits)."""


class NotConfigured(DomainError):
    """The administrator has not yet set what the act needs (a department's 复议机关,
    its 机关代字): refused with a message saying what to set and where."""
