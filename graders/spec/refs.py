"""Reuse inside and across grader files: ``$ref`` to a definition or to another file.

A grader file is either one grader node (OpenAI's grader JSON is exactly that) or a document::

    definitions:              # named graders to reuse
      answer: {type: numeric, reference: "{{ item.answer }}"}
    grader:                   # the root
      type: weighted
      graders:
        answer: {$ref: "#/definitions/answer", weight: 2}   # sibling keys override
        format: {$ref: "common.yaml#/definitions/think"}     # a definition in another file
        length: {$ref: "length.yaml"}                        # another file's whole grader

References resolve before validation, keeping each value's original ``file:line:col`` so a
problem inside a referenced definition points at the definition. Cycles, missing files and
missing definitions are problems like any other, reported together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graders.core.errors import ConfigError, Problem
from graders.spec.source import Keys, Source, parse_file

__all__ = ["DOCUMENT_KEYS", "Resolver", "is_document"]

DOCUMENT_KEYS = frozenset({"grader", "definitions", "$schema", "description"})


def is_document(data: Any) -> bool:
    """True when ``data`` is the document form (``grader:`` plus definitions), not a bare node."""
    return isinstance(data, dict) and "type" not in data and "grader" in data


def _pointer(fragment: str) -> Keys | None:
    """A JSON pointer (``/definitions/answer``) as key path; None when malformed."""
    if fragment in ("", "/"):
        return ()
    if not fragment.startswith("/"):
        return None
    parts = [p.replace("~1", "/").replace("~0", "~") for p in fragment[1:].split("/")]
    return tuple(parts)


def _lookup(data: Any, keys: Keys) -> tuple[bool, Any]:
    for key in keys:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and str(key).isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return False, None
    return True, data


class Resolver:
    """Resolves the ``$ref``s under one root file into a single located tree."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.unresolved: set[Keys] = set()
        """Output paths where a reference failed (their validation errors are noise)."""
        self._files: dict[Path, Source] = {}

    def _file(self, path: Path) -> Source:
        key = path.resolve()
        if key not in self._files:
            self._files[key] = parse_file(path)
        return self._files[key]

    def root_keys(self, source: Source) -> Keys:
        """Where the grader lives in ``source``; records problems with the document's keys."""
        if not is_document(source.data):
            return ()
        for key in source.data:
            if key not in DOCUMENT_KEYS:
                allowed = ", ".join(sorted(DOCUMENT_KEYS))
                self.problems.append(
                    source.problem(
                        (key,), f"unknown document key {key!r} (expected {allowed})", key=True
                    )
                )
        definitions = source.data.get("definitions", {})
        if not isinstance(definitions, dict):
            self.problems.append(
                source.problem(
                    ("definitions",), "definitions must be a mapping of names to graders"
                )
            )
        return ("grader",)

    def resolve(self, source: Source, keys: Keys, out: Source) -> Any:
        """The value at ``keys`` in ``source`` with every reference replaced, located in ``out``."""
        return self._copy(source, keys, (), out, ())

    def _copy(
        self,
        src: Source,
        keys: Keys,
        out_keys: Keys,
        out: Source,
        stack: tuple[tuple[str, Keys], ...],
    ) -> Any:
        _, value = _lookup(src.data, keys)
        pos = src.values.get(keys)
        if pos is not None:
            out.values[out_keys] = pos
        if keys in src.keys:
            out.keys[out_keys] = src.keys[keys]
        if isinstance(value, dict):
            if "$ref" in value:
                return self._follow(src, keys, value, out_keys, out, stack)
            return {k: self._copy(src, (*keys, k), (*out_keys, k), out, stack) for k in value}
        if isinstance(value, list):
            return [
                self._copy(src, (*keys, i), (*out_keys, i), out, stack) for i in range(len(value))
            ]
        return value

    def _follow(
        self,
        src: Source,
        keys: Keys,
        value: dict[str, Any],
        out_keys: Keys,
        out: Source,
        stack: tuple[tuple[str, Keys], ...],
    ) -> Any:
        ref = value["$ref"]
        target = self._target(src, (*keys, "$ref"), ref)
        if target is None:
            self.unresolved.add(out_keys)
            return {}
        target_src, target_keys = target
        marker = (target_src.file, target_keys)
        if marker in stack:
            chain = " -> ".join(f"{f}#{'/'.join(map(str, k))}" for f, k in (*stack, marker))
            self.problems.append(src.problem((*keys, "$ref"), f"circular $ref: {chain}"))
            self.unresolved.add(out_keys)
            return {}
        base = self._copy(target_src, target_keys, out_keys, out, (*stack, marker))
        site = src.values.get(keys)
        if site is not None:
            out.values[out_keys] = site
        overrides = {k: v for k, v in value.items() if k != "$ref"}
        if overrides and not isinstance(base, dict):
            self.problems.append(
                src.problem(keys, "keys beside $ref need the reference to name a mapping")
            )
            return base
        for k in overrides:
            base[k] = self._copy(src, (*keys, k), (*out_keys, k), out, stack)
        return base

    def _target(self, src: Source, at: Keys, ref: Any) -> tuple[Source, Keys] | None:
        if not isinstance(ref, str) or not ref:
            self.problems.append(src.problem(at, f"$ref must be a non-empty string, got {ref!r}"))
            return None
        file_part, _, fragment = ref.partition("#")
        target_src = src
        if file_part:
            base_dir = Path(src.file).parent if not src.file.startswith("<") else Path.cwd()
            path = base_dir / file_part
            if not path.is_file():
                self.problems.append(
                    src.problem(at, f"$ref file not found: {file_part!r} (looked for {path})")
                )
                return None
            try:
                target_src = self._file(path)
            except ConfigError as exc:
                self.problems.extend(exc.problems)
                return None
        pointer = _pointer(fragment)
        if pointer is None:
            self.problems.append(
                src.problem(
                    at,
                    f"$ref fragment must be a JSON pointer like '#/definitions/name', got {ref!r}",
                )
            )
            return None
        if not pointer and file_part:
            pointer = ("grader",) if is_document(target_src.data) else ()
        found, _ = _lookup(target_src.data, pointer)
        if not found:
            names = (
                target_src.data.get("definitions") if isinstance(target_src.data, dict) else None
            )
            hint = ""
            if isinstance(names, dict) and names:
                hint = f" (definitions: {', '.join(sorted(map(str, names)))})"
            self.problems.append(src.problem(at, f"$ref target not found: {ref!r}{hint}"))
            return None
        return target_src, pointer
