"""Bounds on the number of parts in a ``multipart/form-data`` body.

Starlette's parser counts file parts and other fields as each part's headers
end, before the part is built, and stops at the first one over its bound
(``request.form(max_files=..., max_fields=...)``; FastAPI's ``form_limits``
for ``File`` parameters). It reports that as a 400 with a fixed sentence; this
module turns the sentence into archgraph's error: 413 ``too_many_parts``
naming the limit and whether files or fields were too many.
"""

from __future__ import annotations

import re

from schemas.errors import PayloadTooLargeError

MAX_FORM_FIELDS = 100
"""Plain (non-file) fields a multipart upload may carry; archgraph reads none."""

_STARLETTE_TOO_MANY = re.compile(r"Too many (files|fields)\. Maximum number of \1 is (\d+)\.")


def too_many_parts(detail: str) -> PayloadTooLargeError | None:
    """The error for Starlette's "too many files/fields" refusal *detail*, else None."""
    match = _STARLETTE_TOO_MANY.fullmatch(detail)
    if match is None:
        return None
    what, limit = match.group(1), int(match.group(2))
    if what == "files":
        message = f"the upload holds more than {limit:,} file parts; the limit is {limit:,}"
        location = "body.files"
    else:
        message = (
            f"the upload holds more than {limit:,} fields besides its files; the limit is {limit:,}"
        )
        location = "body"
    return PayloadTooLargeError(message, location=location, code="too_many_parts")
