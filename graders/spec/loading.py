"""Loading a grader: parse, resolve references, validate, check dependencies, bind paths.

Everything wrong with a config is collected and raised together as one ``ConfigError``, before
any sample is graded (and before any GPU time is spent).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graders.core import registry
from graders.core.errors import ConfigError, Problem
from graders.spec.base import GraderSpec
from graders.spec.problems import problems_from_validation
from graders.spec.refs import Resolver
from graders.spec.source import Keys, Source, parse_file, parse_text

__all__ = ["load_spec", "loads_spec", "spec_from_source"]


@cache
def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _requirement_problems(spec: GraderSpec, keys: Keys, source: Source) -> list[Problem]:
    out: list[Problem] = []
    missing = [m for m in type(spec).requires if not _importable(m)]
    if missing:
        extra = f": pip install 'graders[{spec.extra}]'" if spec.extra else ""
        out.append(
            source.problem(
                keys, f"grader type {spec.type!r} needs {', '.join(map(repr, missing))}{extra}"
            )
        )
    else:
        out.extend(source.problem(keys, message) for message in spec.environment_problems())
    for child_keys, child in spec.children():
        out.extend(_requirement_problems(child, (*keys, *child_keys), source))
    return out


def _validate(
    resolver: Resolver, source: Source, keys: Keys, prefix: Keys = ()
) -> tuple[GraderSpec | None, list[Problem]]:
    out = Source(data=None, file=source.file)
    out.data = resolver.resolve(source, keys, out)
    try:
        spec = registry.any_grader().validate_python(out.data)
    except ValidationError as exc:
        return None, problems_from_validation(exc, out, skip=resolver.unresolved, prefix=prefix)
    return spec, _requirement_problems(spec, (), out)


def spec_from_source(source: Source) -> GraderSpec:
    """Validate a parsed source into a bound grader tree, or raise every problem at once."""
    registry.ensure_loaded()
    resolver = Resolver()
    root = resolver.root_keys(source)
    spec, problems = _validate(resolver, source, root, prefix=root)
    if root:
        definitions = source.data.get("definitions")
        if isinstance(definitions, dict):
            for name in definitions:
                _, more = _validate(
                    resolver, source, ("definitions", name), prefix=("definitions", name)
                )
                problems.extend(more)
    problems = resolver.problems + problems
    if problems or spec is None:
        unique: dict[tuple[Any, ...], Problem] = {}
        for p in problems:
            unique.setdefault((p.file, p.line, p.col, p.message), p)
        raise ConfigError(list(unique.values()))
    spec.bind()
    return spec


def load_spec(config: str | Path | Mapping[str, Any]) -> GraderSpec:
    """Load a grader from a YAML/JSON file path, or from an already-parsed mapping."""
    if isinstance(config, Mapping):
        return spec_from_source(Source(data=dict(config), file="<config>"))
    return spec_from_source(parse_file(config))


def loads_spec(text: str, *, fmt: str = "yaml", file: str = "<config>") -> GraderSpec:
    """Load a grader from YAML or JSON text."""
    return spec_from_source(parse_text(text, file, fmt=fmt))
