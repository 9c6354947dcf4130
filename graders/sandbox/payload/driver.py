"""Running a Python program the way ``python3 solution.py`` would, plus the test drivers.

Used in a forked child of the warm worker (the interpreter and common modules are already
loaded) and by the cold entry point (a fresh interpreter). A task is one of:

* ``script``: run the program as ``__main__`` (stdin/stdout tests);
* ``call``: run the program, call ``fn_name(*args)`` (or ``Solution().fn_name``) and write the
  return value to the result channel (fd 3) with the codec; the grader compares it;
* ``assert``: run the program, then the test's steps in order: ``exec`` steps (the test's own
  statements, ``s = Stack()``) run, ``eval`` steps (the holes of its asserts, ``f(1)``) write their
  value, or the exception they raised, for the grader, which evaluates the asserts themselves
  (``checks/code/skeleton.py``); an iterator's value is written as the list of its items, and
  where a hole's value is not a built-in one, the conversion in ``else`` (``len(s)``) is; after
  the last step the run's marker is written (see ``verdicts.py`` for what it is worth);
* ``grade``: OpenAI's python grader: run ``source`` and write ``grade(sample, item)``.

Records on the result channel are JSON lines. Nothing here compares anything with an expected
value and nothing here is trusted: expected outputs never enter the sandbox, and a program that
writes records itself only chooses its own answers.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import functools
import io
import json
import os
import sys
import traceback
import types
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from . import codec

__all__ = ["exit_like_python", "main", "run_task"]

RESULT_FD = 3
_HERE = os.path.dirname(os.path.abspath(__file__))
_PRISTINE_BUILTINS = dict(builtins.__dict__)


def emit(record: dict[str, Any]) -> None:
    """Write one record line to the result channel."""
    data = (json.dumps(record, separators=(",", ":")) + "\n").encode()
    view = memoryview(data)
    while view:
        view = view[os.write(RESULT_FD, view) :]


def _stdio() -> dict[str, Any]:
    """sys.std* objects on fds 0-2, configured as a fresh interpreter configures them."""
    old_out = sys.__stdout__
    encoding = getattr(old_out, "encoding", None) or "utf-8"
    errors = getattr(old_out, "errors", None) or "strict"
    return {
        "stdin": io.TextIOWrapper(
            io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding=encoding, errors=errors
        ),
        "stdout": io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding=encoding, errors=errors
        ),
        "stderr": io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
            encoding=encoding,
            errors="backslashreplace",
            line_buffering=True,
        ),
    }


def prepare_process(path: str) -> None:
    """Set up, in the warm worker and once, the state every run starts from: fresh stdio on fds
    0-2, ``sys.argv``, an empty ``__main__`` and a ``sys.path`` without graders' own code.

    Each fork inherits it pristine (the worker never uses its stdio: its own fds 0-2 are
    /dev/null and bubblewrap's stderr), where making it in every run cost about 0.2 ms, most
    of it copy-on-write faults on the pages it touched. The worker's own code is already
    imported, so it needs no ``/opt/graders`` on ``sys.path`` afterwards.
    """
    _prepare(path)


_READY: dict[str, Any] = {}
"""What :func:`prepare_process` set up: the stdio objects and the empty ``__main__``."""


def _prepare(path: str) -> None:
    """Make this process look like ``python3 path`` about to run; what :func:`prepare_process`
    set up before the fork is only checked (read), never touched."""
    if _READY.get("stdout") is None or sys.stdout is not _READY["stdout"]:
        for name, stream in _stdio().items():
            setattr(sys, name, stream)
            setattr(sys, f"__{name}__", stream)
            _READY[name] = stream
    if sys.argv != [path]:
        sys.argv = [path]
    while "/opt/graders" in sys.path:  # graders' own code is not the program's to import
        sys.path.remove("/opt/graders")
    if _READY.get("main") is None or sys.modules.get("__main__") is not _READY["main"]:
        main = types.ModuleType("__main__")
        main.__builtins__ = builtins  # type: ignore[attr-defined]
        sys.modules["__main__"] = _READY["main"] = main


def exit_like_python(code: int) -> NoReturn:
    """Finish as the interpreter does: join threads, run atexit hooks, flush, then exit.

    Like CPython's finalization, threads are joined only if the program imported ``threading``
    (no other module starts threads that are joined at exit).
    """
    threading = sys.modules.get("threading")
    if threading is not None:
        with contextlib.suppress(BaseException):  # a broken thread must not change the exit code
            threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            code = code or 120  # what CPython exits with when flushing stdout fails
    os._exit(code)


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _run(func: Callable[[], None]) -> NoReturn:
    """Run ``func`` with Python's top-level handling of SystemExit and uncaught exceptions."""
    try:
        func()
    except SystemExit as exc:
        exit_like_python(_exit_code(exc))
    except BaseException as exc:  # the program's own error: report it as Python would
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_HERE):
            tb = tb.tb_next  # the driver's own frames are not the program's
        traceback.print_exception(type(exc), exc, tb)
        exit_like_python(1)
    exit_like_python(0)


SOURCES: dict[str, bytes] = {}
"""The program's files as the warm worker wrote them (its runs are forked with this copy)."""


def _load_program(path: str, name: str) -> dict[str, Any]:
    source = SOURCES.get(path)
    if source is None:
        with open(path, "rb") as fh:
            source = fh.read()
    code = compile(source, path, "exec", dont_inherit=True)
    module = types.ModuleType(name)
    module.__file__ = path
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules[name] = module
    namespace = module.__dict__
    exec(code, namespace)  # safe: this driver runs only inside the sandbox
    return namespace


def _step_scope(namespace: dict[str, Any]) -> dict[str, Any]:
    """The assert steps' globals: the program's names and the pristine built-ins."""
    scope = dict(namespace)
    scope["__builtins__"] = dict(_PRISTINE_BUILTINS)
    return scope


def _compile_step(source: str, mode: str, scope: dict[str, Any]) -> types.CodeType:
    """Compile a step; built-in names it uses mean the real built-ins, whatever the program did."""
    code = compile(source, "<test>", mode, dont_inherit=True)
    for name in code.co_names:
        if name in _PRISTINE_BUILTINS:
            scope[name] = _PRISTINE_BUILTINS[name]
    return code


_BROKEN = "an object the codec could not write"


def _emit_value(
    record: dict[str, Any], value: Any, instead: Callable[[], dict[str, Any]] | None = None
) -> None:
    """Write ``value`` with the codec in ``record``, or why it cannot be written (and then what
    ``instead`` gives)."""
    try:
        emit({**record, "value": codec.to_json(value)})
        return
    except codec.Unserializable as exc:
        why = str(exc)
    except Exception:  # a value that broke the codec (a program that patched built-ins)
        why = _BROKEN
    emit({**record, "unserializable": why, **({"instead": instead()} if instead else {})})


def _call(task: dict[str, Any], namespace: dict[str, Any]) -> None:
    name = task["fn_name"]
    target: Any = None
    solution = namespace.get("Solution")
    if isinstance(solution, type):
        target = getattr(solution(), name, None)
    if target is None:
        target = namespace.get(name)
    if not callable(target):
        raise NameError(f"the program defines no function {name!r}")
    _emit_value({}, target(*task["args"]))


def _raised(exc: Exception) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:  # an exception whose str() raises
        text = type(exc).__name__
    return text[:500]


def _text(value: Any, limit: int) -> str | None:
    """A plain copy of a string the program made (a subclass of str may override anything)."""
    return str.__getitem__(value, slice(0, limit)) if isinstance(value, str) else None


def _caught(exc: Exception) -> dict[str, Any]:
    """What the grader needs of an exception a test expects: its classes, as (module, qualified
    name), its own first, and its ``str()`` (the grader decides whether it is the one)."""
    out: dict[str, Any] = {}
    try:
        classes = type(exc).__mro__[:100]
        names = [(_text(c.__module__, 200), _text(c.__qualname__, 200)) for c in classes]
        out["classes"] = [
            [m if m != "builtins" or _PRISTINE_BUILTINS.get(q) is c else "builtins?", q]
            for c, (m, q) in zip(classes, names, strict=True)
            if m is not None and q is not None
        ]  # a class of the program's that only says it is a built-in is not one
    except Exception:  # a class whose names raise: the grader matches none
        pass
    try:
        message = _text(str(exc), 10_000)
    except Exception:
        message = None
    if message is not None:
        out["message"] = message
    return out


def _eval(source: str, scope: dict[str, Any]) -> Any:
    value = eval(_compile_step(source, "eval", scope), scope)  # safe: in the sandbox
    return list(value) if isinstance(value, Iterator) else value  # all(f(x) for x in xs)


def _evaluated(source: str, scope: dict[str, Any]) -> dict[str, Any]:
    """A conversion's record: its value, why it has none, or what it raised."""
    try:
        value = _eval(source, scope)
    except Exception as exc:
        return {"raised": _raised(exc)}
    try:
        data = codec.to_json(value)
        json.dumps(data)  # a program that patched built-ins can make to_json return anything
    except codec.Unserializable as exc:
        return {"unserializable": str(exc)}
    except Exception:
        return {"unserializable": _BROKEN}
    return {"value": data}


def _asserts(task: dict[str, Any], namespace: dict[str, Any]) -> None:
    scope = _step_scope(namespace)
    for index, step in enumerate(task["steps"]):
        if "exec" in step:
            exec(_compile_step(step["exec"], "exec", scope), scope)  # safe: in the sandbox
            continue
        try:
            value = _eval(step["eval"], scope)
        except Exception as exc:  # the grader decides whether the assert needed this value
            caught = _caught(exc) if step.get("expect") else {}
            emit({"step": index, "raised": _raised(exc), **caught})
            continue
        if step.get("expect"):  # it should have raised: what it returned does not matter
            emit({"step": index, "value": None})
            continue
        fallback = step.get("else")
        instead = None if fallback is None else functools.partial(_evaluated, fallback, scope)
        _emit_value({"step": index}, value, instead)
    emit({"done": task.get("marker")})


def _grade(task: dict[str, Any], namespace: dict[str, Any]) -> None:
    grade = namespace.get("grade")
    if not callable(grade):
        raise NameError("the grader source defines no function 'grade'")
    _emit_value({}, grade(task["sample"], task["item"]))


def run_task(task: dict[str, Any]) -> NoReturn:
    """Run one task in this (confined) process and exit with the program's exit status."""
    path = task.get("path", "/work/solution.py")
    _prepare(path)
    kind = task["kind"]

    def body() -> None:
        if kind == "script":
            _load_program(path, "__main__")
            return
        namespace = _load_program(path, "solution")
        if kind == "call":
            _call(task, namespace)
        elif kind == "assert":
            if task.get("setup"):
                setup = compile(task["setup"], "<setup>", "exec", dont_inherit=True)
                exec(setup, namespace)  # safe: in the sandbox
            _asserts(task, namespace)
        elif kind == "grade":
            _grade(task, namespace)
        else:
            raise ValueError(f"unknown task kind {kind!r}")

    _run(body)


def main() -> NoReturn:
    """The cold entry point: a fresh interpreter runs the task in the file named by argv[1]."""
    with open(sys.argv[1], "rb") as fh:
        task = json.load(fh)
    run_task(task)
