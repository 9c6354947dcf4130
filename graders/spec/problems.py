"""Turning pydantic's validation errors into problems a person can act on.

Each error becomes ``file:line:col $.json.path: message``: the location comes from the source
map, the JSON path from the raw data (pydantic's ``loc`` also holds union tags and member
labels, which are not part of the user's file), and the message says what was expected, with a
did-you-mean where a near name exists.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ValidationError

from graders.core.errors import Problem
from graders.spec.paths import render
from graders.spec.source import Keys, Source

__all__ = ["PLANNED_TYPES", "TAG_FIELDS", "did_you_mean", "problems_from_validation"]

PLANNED_TYPES: dict[str, str] = {}
"""OpenAI grader types that this version of graders does not implement yet, and who will."""

TAG_FIELDS: dict[str, tuple[str, Callable[[], Mapping[str, type[BaseModel]]]]] = {}
"""Discriminator fields of tagged unions: field -> (what it names, tag -> model class).

Each union's discriminator function must be named ``<field>_tag`` (pydantic reports it by name).
"""

_TYPE_LABEL = re.compile(r"^(str|int|float|bool|none|list|dict|tuple|function-\w+|[a-z_]+\[.*\])")


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...]) -> str:
    near = get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _tagged(node: Any) -> tuple[str, str, type[BaseModel] | None] | None:
    """(field, tag, model) when ``node`` is a tagged mapping (a grader, an extract step, ...)."""
    if not isinstance(node, dict):
        return None
    for field, (_, table) in TAG_FIELDS.items():
        tag = node.get(field)
        if isinstance(tag, str):
            return field, tag, table().get(tag)
    return None


def _keys_of(data: Any, loc: tuple[str | int, ...], err_type: str) -> Keys:
    """pydantic's ``loc`` as a path through the user's data (tags and union labels dropped)."""
    keys: list[str | int] = []
    node: Any = data
    for i, el in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict):
            if el in node:
                keys.append(el)
                node = node[el]
                continue
            tagged = _tagged(node)
            if tagged is not None and el == tagged[1]:
                continue
            if (
                isinstance(el, str)
                and _TYPE_LABEL.match(el)
                and not (last and err_type == "missing")
            ):
                continue
        elif isinstance(node, list) and isinstance(el, int) and 0 <= el < len(node):
            keys.append(el)
            node = node[el]
            continue
        elif isinstance(el, str) and node is not None:
            continue  # a union member label on a scalar or list
        keys.append(el)
        node = None
    return tuple(keys)


def _node_at(data: Any, keys: Keys) -> Any:
    for key in keys:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_at(model: Any, keys: Keys) -> type[BaseModel] | None:
    """The pydantic model that validates the value at ``keys`` under ``model``, following
    fields, list items, mapping values and optional/union types; None where it cannot tell."""
    for key in keys:
        model = _pick(model, int if isinstance(key, int) else str)
        if model is None:
            return None
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = next(
                (f for name, f in model.model_fields.items() if key in (name, f.alias)), None
            )
            model = field.annotation if field is not None else None
        else:
            args = typing.get_args(model)
            model = args[-1] if args else None
    model = _pick(model, None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _pick(tp: Any, key_type: type | None) -> Any:
    """From a union, the member that can hold a key of ``key_type`` (a model or a mapping for
    str keys, a list for int keys; any model when ``key_type`` is None)."""
    members = (
        typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)
    )
    for member in members:
        origin = typing.get_origin(member) or member
        is_model = isinstance(member, type) and issubclass(member, BaseModel)
        if key_type is None and is_model:
            return member
        if key_type is str and (is_model or origin in (dict, Mapping)):
            return member
        if key_type is int and origin in (list, tuple, Sequence):
            return member
    return None


def _message(
    err: Mapping[str, Any], keys: Keys, data: Any, model: Any = None
) -> tuple[str, Keys, bool]:
    """(message, where to point, point at the key rather than the value)."""
    kind = err["type"]
    field = str(keys[-1]) if keys else "value"
    value = err.get("input")
    if kind == "union_tag_invalid":
        tag_field = str(err.get("ctx", {}).get("discriminator", "type_tag()")).removesuffix(
            "_tag()"
        )
        what, table = TAG_FIELDS.get(tag_field, ("type", dict))
        tag = str(err.get("ctx", {}).get("tag", ""))
        if tag_field == "type" and tag in PLANNED_TYPES:
            msg = (
                f"grader type {tag!r} (an OpenAI grader type) is not available in this "
                f"version of graders; it comes with {PLANNED_TYPES[tag]}"
            )
        else:
            names = sorted(table())
            msg = f"unknown {what} {tag!r}{did_you_mean(tag, names)}"
        at = (*keys, tag_field) if isinstance(_node_at(data, keys), dict) else keys
        return msg, at, False
    if kind == "union_tag_not_found":
        tag_field = str(err.get("ctx", {}).get("discriminator", "type_tag()")).removesuffix(
            "_tag()"
        )
        what, table = TAG_FIELDS.get(tag_field, ("type", dict))
        if not isinstance(value, dict):
            return (
                (
                    f"expected an object with a {tag_field!r} field naming the {what}, "
                    f"got {type(value).__name__}"
                ),
                keys,
                False,
            )
        return (
            f"missing {tag_field!r}: name the {what} (one of {', '.join(sorted(table()))})",
            keys,
            False,
        )
    if kind == "extra_forbidden":
        parent = _tagged(_node_at(data, keys[:-1]))
        if parent and parent[2]:
            names = _field_names(parent[2])
        else:
            owner = _model_at(model, keys[:-1]) if model is not None else None
            names = _field_names(owner) if owner is not None else []
        return f"unknown field {field!r}{did_you_mean(field, names)}", keys, True
    if kind == "missing":
        return f"missing required field {field!r}", keys[:-1], False
    if kind in ("literal_error", "enum"):
        expected = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        shown = value if isinstance(value, str) else repr(value)
        hint = did_you_mean(str(value), expected) if isinstance(value, str) else ""
        what = f"{field} {shown!r}"
        if keys and isinstance(keys[-1], int):  # an item of a list: name the list
            lists = [k for k in keys if isinstance(k, str)]
            what = f"value {shown!r} in {lists[-1]!r}" if lists else f"value {shown!r}"
        return (
            f"unknown {what}{hint}; expected one of {', '.join(expected)}",
            keys,
            False,
        )
    msg = str(err.get("msg", kind))
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if kind not in ("value_error", "assertion_error") and not isinstance(value, dict | list):
        msg += f" (got {value!r})"
    return msg, keys, False


def problems_from_validation(
    exc: ValidationError,
    source: Source,
    *,
    skip: set[Keys] | None = None,
    prefix: Keys = (),
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    """Every error in ``exc`` as a located Problem; errors under ``skip`` paths are dropped.

    ``model`` is the document's root model, where it is not a grader tree: unknown fields of
    its untagged parts then get a did-you-mean from their model's fields too."""
    out: list[Problem] = []
    seen: set[tuple[Keys, str]] = set()
    for err in exc.errors(include_url=False):
        if _items_failed(err):
            continue
        keys = _keys_of(source.data, tuple(err["loc"]), err["type"])
        if skip and any(keys[: len(s)] == s for s in skip):
            continue
        message, at, on_key = _message(err, keys, source.data, model)
        if (at, message) in seen:
            continue
        seen.add((at, message))
        problem = source.problem(at, message, key=on_key)
        if prefix:
            problem = Problem(
                problem.message,
                path=_prefixed(prefix, problem.path),
                file=problem.file,
                line=problem.line,
                col=problem.col,
            )
        out.append(problem)
    return out


def _items_failed(err: Mapping[str, Any]) -> bool:
    """A "too short after validation" error of a list whose items failed (reported on their
    own): the list itself was long enough."""
    given, least = err.get("input"), err.get("ctx", {}).get("min_length")
    return (
        err["type"] == "too_short"
        and isinstance(given, list | tuple)
        and isinstance(least, int)
        and len(given) >= least
    )


def _prefixed(prefix: Keys, path: str) -> str:
    return render(prefix) + path[1:]
