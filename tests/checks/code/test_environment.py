"""Load-time checks: a host that cannot sandbox says so; nothing silently runs unsandboxed."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

import graders
from graders.checks.code import options
from graders.sandbox.languages import LANGUAGES
from graders.sandbox.limits import Limits
from graders.sandbox.local import LocalBackend
from graders.sandbox.probe import HostSupport, probe
from graders.sandbox.runs import Program, Task

CONFIG = {"type": "code_tests", "tests": [{"stdin": "", "expected_stdout": "1"}]}


def _host(monkeypatch: pytest.MonkeyPatch, host: HostSupport) -> None:
    monkeypatch.setattr(options, "probe", lambda: host)


def test_without_bubblewrap_loading_fails_and_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _host(monkeypatch, HostSupport(bwrap=None, python="/usr/bin/python3"))
    with pytest.raises(graders.ConfigError) as exc:
        graders.load(CONFIG)
    message = str(exc.value)
    assert (
        "the code sandbox needs bubblewrap, which is not installed: install bubblewrap" in message
    )
    assert "sandbox.backend: sandbox_fusion" in message


def test_without_namespaces_loading_fails_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    _host(
        monkeypatch,
        HostSupport(
            bwrap="/usr/bin/bwrap",
            python="/usr/bin/python3",
            error="No permissions to create new namespace",
        ),
    )
    with pytest.raises(
        graders.ConfigError,
        match="bubblewrap cannot create namespaces on this host: No permissions",
    ):
        graders.load({"type": "python", "source": "def grade(s, i): return 1"})


def test_without_cgroups_only_an_explicit_opt_in_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    host = dataclasses.replace(probe(), cgroup=None)
    _host(monkeypatch, host)
    with pytest.raises(graders.ConfigError, match=r"set sandbox\.isolation: namespaces"):
        graders.load(CONFIG)
    graders.load({**CONFIG, "sandbox": {"isolation": "namespaces"}})
    assert host.level().startswith("bwrap+") and "+rlimits" in host.level()


def test_the_remote_backend_needs_no_local_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    _host(monkeypatch, HostSupport(bwrap=None, python=None))
    graders.load({**CONFIG, "sandbox": {"backend": "sandbox_fusion", "url": "http://127.0.0.1:9"}})
    with pytest.raises(graders.ConfigError, match="backend 'sandbox_fusion' needs a url"):
        graders.load({**CONFIG, "sandbox": {"backend": "sandbox_fusion"}})


def test_rlimits_mode_still_bounds_memory() -> None:
    """Without a cgroup (opted into): RLIMIT_DATA for Python and C++, V8's heap flag for Node."""
    host = dataclasses.replace(probe(), cgroup=None)
    cases: list[tuple[str, str, Any]] = [
        ("python", "x = b'x' * (10 ** 9)", b"MemoryError"),
        (
            "javascript",
            "const a = []; while (true) a.push(new Array(1e6).fill(1));",
            b"heap out of memory",
        ),
        ("javascript", "console.log('fine')", None),
    ]

    async def run() -> list[Any]:
        backend = LocalBackend(host, slots=1, scratch_mb=16)
        out = []
        try:
            for language, code, _ in cases:
                async with backend.session(
                    Program(LANGUAGES[language], code, Limits(memory_mb=128))
                ) as s:
                    out.append((s.isolation, await s.run(Task())))
        finally:
            await backend.aclose()
        return out

    for (isolation, outcome), (_, _, said) in zip(asyncio.run(run()), cases, strict=True):
        assert "+rlimits" in isolation
        if said is None:
            assert outcome.clean_exit and outcome.stdout == b"fine\n"
        else:
            assert said in outcome.stderr and not outcome.clean_exit
