"""List filters: ``GET /api/v1/<kind>?field=value``, typed from the element model.

The rule (docs/architecture.md, "List filters"):

- every field whose value (or, for a list, whose items) is a string, number,
  boolean, enum or date is filterable; ``slug`` (read ``/<kind>/<slug>``) and
  fields holding nested objects (API ``operations`` and ``security_schemes``)
  are not, and naming them or an unknown field answers 422 listing the
  filterable fields;
- the query text is coerced with the field's own type (pydantic's
  ``TypeAdapter`` of its annotation, constraints included), so a value the
  field could never hold answers 422 rather than matching nothing;
- a scalar field matches by equality, a list field when the list contains the
  value (each value is checked as one item);
- a value equal to the field's default also matches elements that have no value
  for the field: they read as the default (``?lifecycle=active`` finds a
  component no source gave a lifecycle). Stores are not changed: defaults are
  not written, so provenance still shows only what sources asserted;
- several filters must all match; a field named twice answers 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import Enum
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from graph.storage import FieldFilter
from schemas.elements import ELEMENT_MODELS
from schemas.errors import InvalidInputError
from schemas.refs import Kind

_INT64 = 2**63  # both stores hold 64-bit integers; a larger number matches nothing


def _bare(annotation: Any) -> Any:
    """*annotation* without ``Annotated`` metadata and without ``| None``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not NoneType]
        if len(members) == 1:
            return _bare(members[0])
    return annotation


def _item_annotation(info: FieldInfo) -> tuple[Any, bool] | None:
    """The annotation one filter value is checked with, and whether the field is a list.

    None when the field holds nested objects and so cannot be filtered.
    """
    annotation: Any = info.annotation
    bare = _bare(annotation)
    is_list = get_origin(bare) is list
    if is_list:
        annotation = get_args(bare)[0]
        bare = _bare(annotation)
    scalar = isinstance(bare, type) and (issubclass(bare, str | int | float | Enum | date))
    if not scalar or issubclass(bare, BaseModel):
        return None
    if not is_list and info.metadata:  # the field's own constraints: ge, le, gt ...
        annotation = Annotated[annotation, *info.metadata]
    return annotation, is_list


@cache
def filterable_fields(kind: Kind) -> dict[str, tuple[TypeAdapter[Any], Any]]:
    """Field name -> (adapter of one filter value, the default an absent field reads as)."""
    fields: dict[str, tuple[TypeAdapter[Any], Any]] = {}
    for name, info in ELEMENT_MODELS[kind].model_fields.items():
        found = _item_annotation(info)
        if name == "slug" or found is None:
            continue
        annotation, is_list = found
        default = None if is_list or info.default is PydanticUndefined else info.default
        fields[name] = (TypeAdapter(annotation), default)
    return fields


def parse_filters(kind: Kind, raw: Sequence[tuple[str, str]]) -> dict[str, FieldFilter]:
    """Turn query parameters into typed filters on the kind's fields (422 when they cannot be)."""
    fields = filterable_fields(kind)
    filters: dict[str, FieldFilter] = {}
    for name, text in raw:
        if name not in fields:
            raise InvalidInputError(
                f"cannot filter {kind.value} on {name!r}; filterable fields: "
                + ", ".join(sorted(fields)),
                location=["query", name],
            )
        if name in filters:
            raise InvalidInputError(
                f"{name} is given more than once; give each filter once",
                location=["query", name],
            )
        adapter, default = fields[name]
        try:
            typed = adapter.validate_python(text, strict=False)  # query text is coerced
        except ValidationError as exc:
            raise InvalidInputError(
                f"{name}: {exc.errors()[0]['msg']}", location=["query", name]
            ) from None
        value = adapter.dump_python(typed, mode="json")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _INT64:
            raise InvalidInputError(
                f"{name}: a whole number must lie within ±2^63", location=["query", name]
            )
        is_default = default is not None and value == adapter.dump_python(default, mode="json")
        filters[name] = FieldFilter(value, or_absent=is_default)
    return filters
