"""The one exception the server's logic raises to refuse a whole request."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal with an HTTP status, a stable code and a Chinese message.

    Raised before anything is written (or with the transaction rolled back), so a
    refused request stores nothing, unless ``keep_changes`` says otherwise.
    """

    def __init__(
        self, http_status: int, code: str, message: str, *, keep_changes: bool = False,
        **details: Any,
    ) -> None:
        super().__init__(message)
        # True where the refusal itself changed state that must be committed (a
        # discarded partial upload), so the handler commits before answering.
        self.keep_changes = keep_changes
        self.status = http_status
        self.code = code
        self.message = message
        self.details = details
