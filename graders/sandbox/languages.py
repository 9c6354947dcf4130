"""The language table: one entry per language, so adding a language is one place.

Each entry says which fenced-block tags name it, the file its source is written to, how to
compile it (once per submission, cached by hash) and how to run it, which host tools it needs,
whether runs fork the warm Python worker, what it says when it runs out of memory, and its name
in SandboxFusion's API.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

__all__ = ["LANGUAGES", "SANDBOX_PATH", "Language", "language_names", "resolve", "which"]

SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
"""Where tools are looked up: directories the sandbox mounts from the host."""

PYTHON = "{python}"
"""Placeholder in argv for the sandbox's Python interpreter."""


@dataclass(frozen=True, slots=True)
class Language:
    """How one language is written, built and run inside the sandbox."""

    name: str
    fences: tuple[str, ...]
    """Tags of fenced code blocks that hold this language (matched case-insensitively)."""
    source_file: str
    """The file name the program is written to in the work directory."""
    run: tuple[str, ...]
    """The command that runs the program: ``{python}`` is the sandbox's interpreter, a bare name
    is looked up in the directories the sandbox mounts (/usr/local/bin, /usr/bin, /bin) and
    ``{memory_mb}`` is the run's memory limit."""
    compile: tuple[str, ...] | None = None
    """The command that builds the program, run once per submission."""
    binary: str | None = None
    """The file the build writes to /tmp and the run executes from the work directory."""
    tools: tuple[str, ...] = ()
    """Executables this language needs (checked when a grader is loaded)."""
    warm: bool = False
    """Runs fork the warm Python worker (pre-imported interpreter) instead of exec'ing."""
    drivers: bool = False
    """Supports call-based and assert-based tests (a driver inside the language)."""
    fusion: str = ""
    """The language's name in SandboxFusion's ``run_code`` API."""
    out_of_memory: tuple[bytes, ...] = ()
    """What the runtime writes to stderr when an allocation fails: with a failed exit, it makes
    the memory verdict where no memory cgroup's OOM kill made it first."""
    data_rlimit: bool = True
    """Whether ``RLIMIT_DATA`` can bound its memory where no memory cgroup exists (Node's V8
    reserves far more than it uses and cannot start under one; its heap flag bounds it)."""


LANGUAGES: dict[str, Language] = {
    "python": Language(
        name="python",
        fences=("python", "py", "python3"),
        source_file="solution.py",
        run=(PYTHON, "-I", "/work/solution.py"),
        warm=True,
        drivers=True,
        fusion="python",
        out_of_memory=(b"MemoryError",),
    ),
    "cpp": Language(
        name="cpp",
        fences=("cpp", "c++", "cc", "cxx"),
        source_file="solution.cpp",
        compile=("g++", "-O2", "-std=gnu++17", "-pipe", "-o", "/tmp/prog", "solution.cpp"),
        binary="prog",
        run=("/work/prog",),
        tools=("g++",),
        fusion="cpp",
        out_of_memory=(b"std::bad_alloc",),
    ),
    "javascript": Language(
        name="javascript",
        fences=("javascript", "js", "node", "nodejs"),
        source_file="solution.js",
        run=("node", "--max-old-space-size={memory_mb}", "/work/solution.js"),
        tools=("node",),
        fusion="nodejs",
        out_of_memory=(b"JavaScript heap out of memory",),
        data_rlimit=False,
    ),
    "bash": Language(
        name="bash",
        fences=("bash", "sh", "shell"),
        source_file="solution.sh",
        run=("bash", "/work/solution.sh"),
        tools=("bash",),
        fusion="bash",
    ),
}
"""Every supported language by canonical name."""

_ALIASES = {alias: lang for lang in LANGUAGES.values() for alias in (lang.name, *lang.fences)}


def language_names() -> list[str]:
    """Canonical names and aliases users may write."""
    return sorted(_ALIASES)


def which(tool: str) -> str | None:
    """The absolute path of ``tool`` as the sandbox sees it, or None."""
    return shutil.which(tool, path=SANDBOX_PATH)


def resolve(name: str) -> Language | None:
    """The language named ``name`` (any alias, any case), or None."""
    return _ALIASES.get(name.strip().lower())
