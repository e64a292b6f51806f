"""One exception hierarchy for the whole service.

::

    ArchgraphError                 stable ``code``, human message, optional location
    ├── NotFoundError              404: an element or edge that does not exist
    ├── ConflictError              409: already exists, or a concurrent change
    ├── InvalidInputError          422: well-formed request, unacceptable content
    ├── PayloadTooLargeError       413: input over a configured size bound
    └── StoreUnavailableError      503: the graph store cannot be reached

The HTTP layer turns each into ``{"code", "message", "location"}``; the CLI
prints the message and exits non-zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ArchgraphError(Exception):
    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        location: str | Sequence[str | int] | None = None,
        code: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.details = details
        if code is not None:
            self.code = code


class NotFoundError(ArchgraphError):
    status = 404
    code = "not_found"


class ConflictError(ArchgraphError):
    status = 409
    code = "conflict"


class InvalidInputError(ArchgraphError):
    status = 422
    code = "validation_error"


class PayloadTooLargeError(ArchgraphError):
    status = 413
    code = "payload_too_large"


class StoreUnavailableError(ArchgraphError):
    status = 503
    code = "store_unavailable"
