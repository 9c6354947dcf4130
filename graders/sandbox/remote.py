"""The remote backend: SandboxFusion's ``run_code`` API, for sandboxes on other machines.

Each run is one ``POST {url}/run_code`` with ``code``, ``language``, ``stdin``,
``run_timeout``, ``compile_timeout``, ``memory_limit_MB``, ``files`` (base64) and
``fetch_files``; the answer's ``status`` (``Success``, ``Failed``, ``SandboxError``),
``compile_result`` and ``run_result`` (``Finished``, ``TimeLimitExceeded``, ``Error``, with
``return_code``, ``stdout``, ``stderr``, ``execution_time``) become an :class:`Outcome`.
Call, assert and python-grader runs send graders' driver as files and read its records back
from a fetched file, so comparisons still happen here, in the grader. The server does not report
memory use or CPU time: a memory kill reads as a runtime error, and times are wall times.
Requests run on a thread pool of ``concurrency`` threads with the standard library's HTTP client.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from graders.sandbox.bwrap import PAYLOAD_DIR
from graders.sandbox.runs import Outcome, Program, Task

__all__ = ["ISOLATION", "SandboxFusion", "fusion_request", "outcome_from_fusion"]

ISOLATION = "remote:sandbox_fusion"
RESULT_FILE = "graders_result.jsonl"
_DRIVER_FILES = ("__init__.py", "codec.py", "driver.py")
_BOOT = (
    "import os, sys\n"
    "sys.path.insert(0, os.getcwd())\n"
    f"fd = os.open({RESULT_FILE!r}, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)\n"
    "os.dup2(fd, 3)\n"
    "sys.argv = ['driver', 'graders_task.json']\n"
    "from payload.driver import main\n"
    "main()\n"
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def fusion_request(program: Program, task: Task) -> dict[str, Any]:
    """The ``run_code`` request body of one run."""
    limits, source = program.limits, program.source
    body: dict[str, Any] = {
        "language": program.language.fusion,
        "run_timeout": limits.deadline_s,
        "compile_timeout": program.compile_limits.deadline_s,
        "memory_limit_MB": limits.memory_mb,
        "stdin": (task.stdin or b"").decode("utf-8", errors="replace"),
        "files": {},
        "fetch_files": [],
    }
    if task.kind == "script":
        body["code"] = source
        return body
    files = {f"payload/{name}": _b64((PAYLOAD_DIR / name).read_bytes()) for name in _DRIVER_FILES}
    files["solution.py"] = _b64(source.encode())
    files["graders_task.json"] = _b64(json.dumps(task.payload("solution.py")).encode())
    body.update(code=_BOOT, files=files, fetch_files=[RESULT_FILE])
    return body


def outcome_from_fusion(answer: dict[str, Any]) -> Outcome:
    """The Outcome of a ``run_code`` answer."""
    if answer.get("status") == "SandboxError":
        return Outcome(error=f"SandboxFusion: {answer.get('message') or 'sandbox error'}")
    built = answer.get("compile_result") or {}
    if built and (built.get("status") != "Finished" or built.get("return_code") not in (0, None)):
        return Outcome(
            exit_code=built.get("return_code"),
            limit="compile",
            wall_s=float(built.get("execution_time") or 0.0),
            stderr=str(built.get("stderr") or "").encode(),
        )
    run = answer.get("run_result")
    if not isinstance(run, dict):
        return Outcome(error="SandboxFusion answered without a run_result")
    if run.get("status") == "Error":
        return Outcome(error=f"SandboxFusion could not run the program: {run.get('stderr') or ''}")
    code = run.get("return_code")
    wall = float(run.get("execution_time") or 0.0)
    files = answer.get("files") or {}
    result = base64.b64decode(files[RESULT_FILE]) if RESULT_FILE in files else b""
    return Outcome(
        exit_code=code if isinstance(code, int) and code >= 0 else None,
        signal=-code if isinstance(code, int) and code < 0 else None,
        limit="wall" if run.get("status") == "TimeLimitExceeded" else None,
        cpu_s=wall,
        wall_s=wall,
        stdout=str(run.get("stdout") or "").encode(),
        stderr=str(run.get("stderr") or "").encode(),
        result=result,
    )


class SandboxFusion:
    """A client of one SandboxFusion server."""

    def __init__(self, url: str, *, concurrency: int, timeout_s: float) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url={url!r} must be http(s)://host[:port][/path]")
        self._parts = parts
        self._timeout = timeout_s
        self._threads = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="graders-sf")

    @asynccontextmanager
    async def session(self, program: Program) -> AsyncIterator[RemoteSession]:
        yield RemoteSession(self, program)

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST one request (blocking; runs on the pool's threads)."""
        parts = self._parts
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.hostname or "", parts.port, timeout=self._timeout)
        try:
            conn.request(
                "POST",
                parts.path.rstrip("/") + "/run_code",
                body=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise OSError(f"HTTP {response.status}: {data[:200].decode(errors='replace')}")
        finally:
            conn.close()
        answer = json.loads(data)
        if not isinstance(answer, dict):
            raise ValueError("the answer is not a JSON object")
        return answer

    async def run(self, body: dict[str, Any]) -> Outcome:
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(self._threads, self.post, body)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            return Outcome(error=f"SandboxFusion request failed: {type(exc).__name__}: {exc}")
        return outcome_from_fusion(answer)

    async def aclose(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


class RemoteSession:
    """One program on a SandboxFusion server (which compiles it with every run)."""

    isolation = ISOLATION

    def __init__(self, client: SandboxFusion, program: Program) -> None:
        self.client, self.program = client, program

    async def compile(self) -> Outcome | None:
        return None

    async def run(self, task: Task) -> Outcome:
        return await self.client.run(fusion_request(self.program, task))

    async def runs(self, tasks: Sequence[Task], *, ahead: int = 0) -> AsyncGenerator[Outcome, None]:
        """One request a task, in order (each already waits on the network, not on us)."""
        for task in tasks:
            yield await self.run(task)
