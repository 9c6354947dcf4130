"""Reading YAML and JSON files while remembering where every value came from.

Config errors must point at ``file:line:col``. PyYAML's composer keeps a mark on every node, so
YAML is built from the node graph directly (duplicate keys become problems instead of being
silently overwritten). JSON is decoded by :mod:`json` for exact semantics and located with the
YAML composer, which reads JSON too; if that fails, the values still load, without lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graders.core.errors import ConfigError, Problem
from graders.spec.paths import render

__all__ = ["Keys", "Pos", "Source", "parse_file", "parse_text"]

try:
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

Keys = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Pos:
    """A place in a file (1-based line and column)."""

    file: str
    line: int
    col: int


@dataclass
class Source:
    """Parsed data with the position of each value and each mapping key, by key path."""

    data: Any
    file: str
    values: dict[Keys, Pos] = field(default_factory=dict)
    keys: dict[Keys, Pos] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def locate(self, keys: Keys, *, key: bool = False) -> Pos | None:
        """The position of the value at ``keys`` (or of its key), else of the nearest ancestor."""
        if key and keys in self.keys:
            return self.keys[keys]
        probe = keys
        while True:
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return None
            probe = probe[:-1]

    def problem(self, keys: Keys, message: str, *, key: bool = False) -> Problem:
        pos = self.locate(keys, key=key)
        return Problem(
            message,
            path=render(keys),
            file=pos.file if pos else self.file,
            line=pos.line if pos else None,
            col=pos.col if pos else None,
        )


class _Builder:
    """Turns a composed YAML node graph into Python data plus a position map."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.constructor = _Loader("")

    def pos(self, node: yaml.Node) -> Pos:
        mark = node.start_mark
        return Pos(self.source.file, mark.line + 1, mark.column + 1)

    def build(self, node: yaml.Node, keys: Keys) -> Any:
        self.source.values.setdefault(keys, self.pos(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, keys)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*keys, i)) for i, item in enumerate(node.value)]
        return self.constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, keys: Keys) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                bases = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for base in bases:
                    value = self.build(base, keys)
                    if isinstance(value, dict):
                        merged.update({k: v for k, v in value.items() if k not in merged})
                continue
            key = self.constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                self.source.problems.append(
                    self.source.problem(keys, f"mapping keys must be strings, got {key!r}")
                )
                continue
            key = str(key) if not isinstance(key, str) else key
            child = (*keys, key)
            if key in out:
                self.source.problems.append(
                    Problem(
                        f"duplicate key {key!r}",
                        path=render(child),
                        file=self.source.file,
                        line=key_node.start_mark.line + 1,
                        col=key_node.start_mark.column + 1,
                    )
                )
                continue
            self.source.keys[child] = self.pos(key_node)
            out[key] = self.build(value_node, child)
        for key, value in merged.items():
            out.setdefault(key, value)
        return out


def _yaml_error(exc: yaml.YAMLError, file: str) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {what}" + (f" ({context})" if context else "")
    if mark is None:
        return Problem(message, file=file)
    return Problem(message, file=file, line=mark.line + 1, col=mark.column + 1)


def _locate_yaml(text: str, source: Source) -> Any:
    node = yaml.compose(text, Loader=_Loader)
    if node is None:
        return None
    return _Builder(source).build(node, ())


def parse_text(text: str, file: str = "<config>", *, fmt: str | None = None) -> Source:
    """Parse ``text`` as YAML or JSON (by ``fmt``, else by the file name, else YAML)."""
    if fmt is None:
        fmt = "json" if file.endswith(".json") else "yaml"
    source = Source(data=None, file=file)
    if fmt == "json":
        try:
            source.data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                [Problem(f"invalid JSON: {exc.msg}", file=file, line=exc.lineno, col=exc.colno)]
            ) from None
        try:
            located = Source(data=None, file=file)
            _locate_yaml(text, located)
            source.values, source.keys = located.values, located.keys
        except yaml.YAMLError:
            pass  # positions are a convenience; the JSON itself is valid
        return source
    try:
        source.data = _locate_yaml(text, source)
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_error(exc, file)]) from None
    if source.problems:
        raise ConfigError(source.problems)
    return source


def parse_file(path: str | Path) -> Source:
    """Read and parse a YAML or JSON file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([Problem(f"cannot read file: {exc.strerror}", file=str(p))]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(f"file is not UTF-8: {exc.reason}", file=str(p))]) from None
    return parse_text(text, str(p))
