"""Templated config strings: ``{{ sample.output_text }}``, ``{{ item.answer }}``.

Templates come from the grader config, never from model output: a sample is data that a template
*reads*, and whatever it contains (``{{ 7*7 }}`` included) stays literal. They compile once at
load, in Jinja2's immutable sandbox with ``StrictUndefined``, and every name they read is checked
then: an unknown variable or sample field is a load error, not a surprise at grading time.

Three shapes render differently:

* no ``{{``/``{%`` at all: a constant;
* exactly one ``{{ expression }}``: its *native* value (a list of tests stays a list), with plain
  dotted paths (``item.a.b``) read directly, which is ten times cheaper than Jinja;
* text around plain dotted paths only (``Q: {{ item.q }}\nA: {{ sample.output_text }}``):
  joined directly, with the same result as Jinja at a tenth of the cost;
* anything else: Jinja renders a string; non-string values inside it are written as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from difflib import get_close_matches
from typing import Any, ClassVar

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateAssertionError, UndefinedError
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.sample import SAMPLE_FIELDS

__all__ = ["Template", "to_text"]


def to_text(value: Any) -> str:
    """How a non-string value is written where text is needed: as JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _finalize(value: Any) -> Any:
    return value if isinstance(value, str) else to_text(value)


MAX_TEMPLATE_VALUE = 10_000_000
"""The most items (characters, elements) a template's ``*`` may make, and the most bits of a
``**`` result: beyond that an expression would run for seconds in the grading thread, where
no timeout can stop it."""


class _Environment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with ``*`` and ``**`` refused where their result is huge."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * times > MAX_TEMPLATE_VALUE
                ):
                    raise SecurityError(f"'*' would make {len(seq) * times:,} items")
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and abs(left) > 1
            and right * max(abs(left).bit_length(), 1) > MAX_TEMPLATE_VALUE
        ):
            raise SecurityError(
                f"'**' would make a number of about {right * abs(left).bit_length():,} bits"
            )
        return super().call_binop(context, operator, left, right)


_ENV = _Environment(
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    finalize=_finalize,
)

_CONSTANT, _PATH, _EXPRESSION, _TEMPLATE, _CONCAT = range(5)


def _as_path(expr: nodes.Node) -> tuple[str, tuple[str | int, ...]] | None:
    """``item.a[0].b`` as ``("item", ("a", 0, "b"))``, or None for anything richer."""
    keys: list[str | int] = []
    while True:
        if isinstance(expr, nodes.Getattr):
            keys.append(expr.attr)
            expr = expr.node
        elif (
            isinstance(expr, nodes.Getitem)
            and isinstance(expr.arg, nodes.Const)
            and isinstance(expr.arg.value, str | int)
        ):
            keys.append(expr.arg.value)
            expr = expr.node
        elif isinstance(expr, nodes.Name):
            return expr.name, tuple(reversed(keys))
        else:
            return None


def _sample_fields_read(ast: nodes.Template) -> list[str]:
    """The ``sample.<field>`` names a template reads, for checking against SAMPLE_FIELDS."""
    found: list[str] = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        base = node.node  # type: ignore[attr-defined]
        if isinstance(base, nodes.Name) and base.name == "sample":
            if isinstance(node, nodes.Getattr):
                found.append(node.attr)
            elif (
                isinstance(node, nodes.Getitem)
                and isinstance(node.arg, nodes.Const)
                and isinstance(node.arg.value, str)
            ):
                found.append(node.arg.value)
    return found


def _explain(exc: TemplateSyntaxError) -> str:
    """Jinja's message, with the nearest known name when it names an unknown filter or test."""
    message = exc.message or str(exc)
    if not isinstance(exc, TemplateAssertionError):
        return f"template syntax error: {message}"
    for kind, known in (("filter", _ENV.filters), ("test", _ENV.tests)):
        prefix = f"No {kind} named '"
        if message.startswith(prefix):
            name = message[len(prefix) :].split("'", 1)[0]
            near = get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            return f"template error: unknown {kind} {name!r}{hint}"
    return f"template error: {message}"


class Template:
    """A config string that may read ``sample`` and ``item``; compiled once, rendered per sample."""

    variables: ClassVar[frozenset[str]] = frozenset({"sample", "item"})
    """The names a template of this class may read; families with richer contexts subclass."""

    __slots__ = ("_compiled", "_kind", "_parts", "_path", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: Any = None
        self._path: tuple[str, tuple[str | int, ...]] | None = None
        self._parts: tuple[str | tuple[str, tuple[str | int, ...]], ...] = ()
        if "{{" not in source and "{%" not in source and "{#" not in source:
            self._kind = _CONSTANT
            return
        try:
            ast = _ENV.parse(source)
            # compiles the template: unknown filters and tests are found here
            declared = find_undeclared_variables(ast)
        except TemplateSyntaxError as exc:  # TemplateAssertionError included
            raise ValueError(f"{_explain(exc)} in {source!r}") from None
        unknown = sorted(declared - self.variables)
        if unknown:
            name = unknown[0]
            near = get_close_matches(name, sorted(self.variables), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            allowed = ", ".join(sorted(self.variables))
            raise ValueError(
                f"unknown template variable {name!r}{hint}; templates may read {allowed}"
            )
        if "sample" in self.variables:
            for attr in _sample_fields_read(ast):
                if attr not in SAMPLE_FIELDS:
                    near = get_close_matches(attr, SAMPLE_FIELDS, n=1)
                    hint = f" (did you mean 'sample.{near[0]}'?)" if near else ""
                    raise ValueError(f"unknown sample field 'sample.{attr}'{hint}")
        body = ast.body
        output = body[0] if len(body) == 1 and isinstance(body[0], nodes.Output) else None
        if (
            output is not None
            and len(output.nodes) == 1
            and not isinstance(output.nodes[0], nodes.TemplateData)
        ):
            expr = output.nodes[0]
            self._path = _as_path(expr)
            if self._path is not None and self._path[0] in self.variables:
                self._kind = _PATH
                return
            inner = source.strip()[2:-2].strip("-+")
            try:
                self._compiled = _ENV.compile_expression(inner, undefined_to_none=False)
                self._kind = _EXPRESSION
                return
            except TemplateSyntaxError:
                pass  # e.g. a comment beside the expression: render it as a whole template
        if output is not None:
            parts = [
                node.data if isinstance(node, nodes.TemplateData) else _as_path(node)
                for node in output.nodes
            ]
            if all(
                isinstance(part, str) or (part is not None and part[0] in self.variables)
                for part in parts
            ):
                self._kind = _CONCAT
                self._parts = tuple(p for p in parts if p is not None)
                return
        self._kind = _TEMPLATE
        self._compiled = _ENV.from_string(source)

    @property
    def is_constant(self) -> bool:
        return self._kind == _CONSTANT

    def render_value(self, ctx: GradeContext) -> Any:
        """The template's value for this sample: native for a single expression, else text."""
        kind = self._kind
        if kind == _CONSTANT:
            return self.source
        cache = ctx.cache
        key = (Template, self.source)
        try:
            return cache[key]
        except KeyError:
            pass
        value = self._render(ctx.variables)
        cache[key] = value
        return value

    def render_text(self, ctx: GradeContext) -> str:
        """The template's value as text (non-string values written as JSON)."""
        value = self.render_value(ctx)
        return value if isinstance(value, str) else to_text(value)

    def render(self, variables: Mapping[str, Any]) -> Any:
        """The template's value for explicit ``variables`` (no per-sample cache): for families
        whose templates read more than ``sample`` and ``item`` (see :attr:`variables`)."""
        if self._kind == _CONSTANT:
            return self.source
        return self._render(variables)

    def _render(self, variables: Mapping[str, Any]) -> Any:
        if self._kind == _PATH:
            assert self._path is not None
            return self._lookup(variables, *self._path)
        if self._kind == _CONCAT:
            return "".join(
                part if isinstance(part, str) else to_text(self._lookup(variables, *part))
                for part in self._parts
            )
        try:
            if self._kind == _EXPRESSION:
                value = self._compiled(**variables)
                if isinstance(value, Undefined):
                    str(value)  # raises UndefinedError with Jinja's own message
                return value
            return self._compiled.render(variables)
        except (UndefinedError, SecurityError, TypeError, ValueError, KeyError) as exc:
            raise GradeFailure(
                "template_error", f"{self.source!r}: {type(exc).__name__}: {exc}"
            ) from None

    def _lookup(self, variables: Mapping[str, Any], root: str, keys: tuple[str | int, ...]) -> Any:
        value: Any = variables[root]
        walked = root
        for key in keys:
            try:
                if isinstance(value, Mapping):
                    value = value[key]
                elif (
                    isinstance(value, Sequence)
                    and not isinstance(value, str)
                    and isinstance(key, int)
                ):
                    value = value[key]
                else:
                    raise KeyError(key)
            except (KeyError, IndexError):
                raise GradeFailure("template_error", self._missing(walked, key, value)) from None
            walked += f".{key}" if isinstance(key, str) else f"[{key}]"
        return value

    @staticmethod
    def _missing(walked: str, key: str | int, container: Any) -> str:
        if isinstance(container, Mapping):
            fields = ", ".join(str(k) for k in list(container)[:12]) or "none"
            return f"{walked}.{key} is undefined ({walked} has fields: {fields})"
        if isinstance(container, Sequence) and not isinstance(container, str):
            return f"{walked}[{key}] is undefined ({walked} has {len(container)} elements)"
        return f"{walked}.{key} is undefined ({walked} is a {type(container).__name__})"

    # -- value semantics: equal by source, pickled as source, shown as source ------------------

    def __reduce__(self) -> tuple[type[Template], tuple[str]]:
        return (type(self), (self.source,))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Template)
            and type(other) is type(self)
            and (other.source == self.source)
        )

    def __hash__(self) -> int:
        return hash(self.source)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.source!r})"

    # -- pydantic integration -------------------------------------------------------------------

    @classmethod
    def _validate(cls, value: Any) -> Template:
        if isinstance(value, cls):
            return value
        if isinstance(value, bool):
            return cls(json.dumps(value))
        if isinstance(value, int | float | str):
            return cls(str(value))
        raise ValueError(f"expected a string (a template), got {type(value).__name__}")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda t: t.source),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": ["string", "number", "boolean"],
            "format": "template",
            "description": "A Jinja2 template reading sample and item, e.g. '{{ item.answer }}'.",
        }
