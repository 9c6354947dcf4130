"""The registry of grader types and the discriminated union built from it.

Built-in families register when their modules are imported (the list below); third-party types
come in through the ``graders.types`` entry-point group. Whenever the set of types changes, every
registered class is rebuilt so that child fields typed ``"AnyGrader"`` accept every type, and
the union's JSON Schema, docs and registry-wide tests see the same list.
"""

from __future__ import annotations

import copy
import importlib
import warnings
from importlib.metadata import entry_points
from typing import Annotated, Any, TypeVar, Union

from pydantic import Discriminator, Tag, TypeAdapter
from pydantic.fields import FieldInfo

from graders.spec.base import GraderSpec
from graders.spec.problems import TAG_FIELDS

__all__ = [
    "ENTRY_POINT_GROUP",
    "any_grader",
    "ensure_loaded",
    "get",
    "register",
    "types",
    "unregister",
]

ENTRY_POINT_GROUP = "graders.types"

BUILTIN_MODULES: tuple[str, ...] = (
    "graders.checks.string",
    "graders.checks.numeric",
    "graders.checks.format",
    "graders.checks.shaping",
    "graders.checks.compose",
    "graders.checks.formula",
    "graders.checks.judge",
    "graders.checks.similarity",
    "graders.checks.ifeval",
    "graders.checks.math",
    "graders.checks.code",
)
"""Modules whose import registers the built-in grader types."""

G = TypeVar("G", bound=type[GraderSpec])

_TYPES: dict[str, type[GraderSpec]] = {}
_UNRESOLVED: dict[type[GraderSpec], dict[str, FieldInfo]] = {}
"""Each class's fields as declared (``"AnyGrader"`` unresolved), restored before every rebuild:
pydantic keeps a resolved annotation, so a rebuild alone would keep the old union."""
_state: dict[str, Any] = {"loaded": False, "dirty": True, "union": None, "adapter": None}


def tag_of(cls: type[GraderSpec]) -> str:
    """The ``type`` tag a class declares as the default of its ``type`` field."""
    field = cls.model_fields.get("type")
    default = field.default if field is not None else None
    if not isinstance(default, str):
        raise TypeError(f"{cls.__name__} must declare `type: Literal['<tag>'] = '<tag>'`")
    return default


def register(cls: G) -> G:
    """Class decorator adding a grader type to the registry."""
    tag = tag_of(cls)
    existing = _TYPES.get(tag)
    if existing is not None and existing is not cls:
        raise ValueError(
            f"grader type {tag!r} is already registered by "
            f"{existing.__module__}.{existing.__qualname__}"
        )
    _TYPES[tag] = cls
    if cls not in _UNRESOLVED:
        _UNRESOLVED[cls] = {
            name: copy.copy(info)
            for name, info in cls.__pydantic_fields__.items()
            if "AnyGrader" in repr(info.annotation)
        }
    _state["dirty"] = True
    return cls


def unregister(tag: str) -> None:
    """Remove a type (tests and plugin development register throwaway types)."""
    if _TYPES.pop(tag, None) is not None:
        _state["dirty"] = True


def type_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        tag = value.get("type")
        return tag if isinstance(tag, str) else None
    return getattr(value, "type", None)


def _load_plugins() -> None:
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception as exc:  # a broken plugin must not break every other grader
            warnings.warn(
                f"graders plugin {ep.name!r} ({ep.value}) failed to load: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )


def ensure_loaded() -> None:
    """Import built-in and plugin types, and rebuild the union if the set changed."""
    if not _state["loaded"]:
        _state["loaded"] = True
        _load_plugins()
    if not _state["dirty"]:
        return
    members = tuple(Annotated[cls, Tag(tag)] for tag, cls in sorted(_TYPES.items()))
    union: Any = Annotated[Union[members], Discriminator(type_tag)]  # noqa: UP007
    namespace = {"AnyGrader": union}
    for cls in _TYPES.values():
        for name, info in _UNRESOLVED[cls].items():
            cls.__pydantic_fields__[name] = copy.copy(info)
        cls.model_rebuild(force=True, _types_namespace=namespace)
    _state["union"] = union
    _state["adapter"] = TypeAdapter(union)
    _state["dirty"] = False


TAG_FIELDS["type"] = ("grader type", lambda: types())


def types() -> dict[str, type[GraderSpec]]:
    """Every registered type by tag, sorted."""
    ensure_loaded()
    return dict(sorted(_TYPES.items()))


def get(tag: str) -> type[GraderSpec] | None:
    ensure_loaded()
    return _TYPES.get(tag)


def any_grader() -> TypeAdapter[GraderSpec]:
    """A TypeAdapter validating any grader node (the root of a grader file)."""
    ensure_loaded()
    adapter: TypeAdapter[GraderSpec] = _state["adapter"]
    return adapter
