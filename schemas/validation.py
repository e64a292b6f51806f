"""The one check every fact passes before a store writes it.

API writes, scans (through ``replace_sources``) and whole-graph imports all
call :func:`check_node` and :func:`check_edge`: a node's properties must fit
its kind's element model, an edge's type must be known, join allowed kinds
and carry properties its type's model accepts. A store adds what it can hold
(``max_int_bits``: Neo4j holds 64-bit integers, SQLite's JSON any).

A node built from an element model instance (``NodeData.checked``: its
properties are that instance's ``properties()``) has passed its kind's model
already; given that instance (of the ref's kind's model, with the ref's
slug), :func:`check_node` does not run the model again. Every other check
runs as for any node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from schemas.edges import EdgeKindError, EdgeType, check_edge_kinds, validate_edge_properties
from schemas.elements import ELEMENT_MODELS, Element
from schemas.errors import InvalidInputError
from schemas.refs import RefError, parse_ref

__all__ = ["check_edge", "check_node", "check_values"]


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    path = ".".join(str(p) for p in first["loc"])
    return f"{path}: {first['msg']}" if path else str(first["msg"])


def check_values(value: Any, *, max_int_bits: int | None, where: str) -> None:
    """Refuse integers a store cannot hold (signed, *max_int_bits* wide), at any depth."""
    if max_int_bits is None:
        return
    low, high = -(2 ** (max_int_bits - 1)), 2 ** (max_int_bits - 1) - 1
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and not low <= item <= high:
            raise InvalidInputError(
                f"{where}: the integer {item} does not fit in {max_int_bits} bits, "
                "the largest this store holds",
                location=where,
                code="value_out_of_range",
            )
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def check_node(
    ref: str,
    properties: Mapping[str, Any],
    *,
    max_int_bits: int | None = None,
    checked: Element | None = None,
) -> None:
    """Raise ``InvalidInputError`` unless *properties* fit the element model of *ref*'s kind.

    *checked*: the model instance *properties* were dumped from (see the
    module docstring); the model is not run again when it is an instance of
    *ref*'s kind's model with *ref*'s slug.
    """
    try:
        kind, slug = parse_ref(ref)
    except RefError as exc:
        raise InvalidInputError(str(exc), location=ref) from None
    model = ELEMENT_MODELS[kind]
    if checked is None or type(checked) is not model or checked.slug != slug:
        try:
            model.model_validate({**properties, "slug": slug})
        except ValidationError as exc:
            raise InvalidInputError(f"{ref}: {_first_error(exc)}", location=ref) from None
    check_values(properties, max_int_bits=max_int_bits, where=ref)


def check_edge(
    from_ref: str,
    edge_type: str,
    to_ref: str,
    properties: Mapping[str, Any],
    *,
    max_int_bits: int | None = None,
) -> None:
    """Raise ``InvalidInputError`` unless the edge joins allowed kinds with valid properties."""
    where = f"{from_ref}-{edge_type}->{to_ref}"
    try:
        etype = EdgeType(edge_type)
        check_edge_kinds(from_ref, etype, to_ref)
        validate_edge_properties(etype, dict(properties))
    except ValidationError as exc:
        raise InvalidInputError(f"{where}: {_first_error(exc)}", location=where) from None
    except (RefError, EdgeKindError, ValueError) as exc:
        raise InvalidInputError(f"{where}: {exc}", location=where) from None
    check_values(properties, max_int_bits=max_int_bits, where=where)
