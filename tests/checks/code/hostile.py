"""Runs hostile_cases.yaml through code_tests and reports verdicts and leaks as JSON.

Never run this directly on a machine you care about: test_adversarial.py runs it as
``unshare --pid --fork --mount-proc python -m tests.checks.code.hostile OUT``, so that every
process it starts lives in a fresh PID namespace, and a sandbox that failed would still be
contained. Around the cases it keeps the things a broken sandbox would hit: a secret in its
environment, a TCP listener on 127.0.0.1, and "sentinel" processes running as the sandbox uids
outside the sandbox (a kill(-1) escaping a sandbox would kill them).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

import graders
from graders.sandbox.uids import FIRST_UID

CASES = Path(__file__).with_name("hostile_cases.yaml")
SANDBOX_UIDS = range(FIRST_UID, FIRST_UID + 3000)
DEFAULT_LIMITS = {"cpu_s": 1, "memory_mb": 256}


def load_cases() -> list[dict[str, Any]]:
    return list(yaml.safe_load(CASES.read_text())["cases"])


def _sandbox_processes(exclude: set[int]) -> list[str]:
    """Processes of a sandbox uid visible in this PID namespace, other than the sentinels."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in exclude:
            continue
        try:
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
        if uid in SANDBOX_UIDS:
            comm = status.splitlines()[0].split(":", 1)[1].strip()
            found.append(f"{name} {comm} uid={uid}")
    return found


NONCE = secrets.token_hex(8)


def _config(
    case: dict[str, Any], port: int, secret: str
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    def fill(text: str) -> str:
        text = text.replace("@PORT@", str(port)).replace("@NONCE@", NONCE)
        return text.replace("@SECRET@", secret)

    tests = case.get("tests", [{"stdin": "", "expected_stdout": "ok"}])
    tests = json.loads(fill(json.dumps(tests)))
    if "stdin_repeat" in case:
        chunk, count = case["stdin_repeat"]
        tests = [{**t, "stdin": chunk * count} for t in tests]
    config = {
        "type": "code_tests",
        "language": case.get("language", "python"),
        "tests": "{{ item.tests }}",
        "code_from": "whole_output",
        "limits": {**DEFAULT_LIMITS, **case.get("limits", {})},
        "sandbox": {"slots": 1, "mode": case.get("mode", "warm")},
    }
    if "setup" in case:
        config["setup_code"] = case["setup"]
    if "compile_limits" in case:
        config["compile_limits"] = case["compile_limits"]
    return config, fill(case["program"]), {"tests": tests}


async def run_case(
    case: dict[str, Any], port: int, secret: str, listener: socket.socket, sentinels: set[int]
) -> dict[str, Any]:
    config, program, item = _config(case, port, secret)
    grader = graders.load(config)
    try:
        result = await grader.grade(program, item)
        leaks = _sandbox_processes(sentinels)  # while the sandbox is still up
    finally:
        await grader.aclose()
    connections = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            break
        conn.close()
        connections += 1
    outputs = [
        str((c.details or {}).get(k, "")) for c in result.children for k in ("stdout", "stderr")
    ]
    return {
        "verdicts": [(c.details or {}).get("verdict") for c in result.children]
        or ([(result.details or {}).get("verdict")] if result.details else []),
        "reason": result.reason,
        "error": result.error.kind if result.error else None,
        "stdout": [(c.details or {}).get("stdout", "") for c in result.children],
        "isolation": (result.details or {}).get("isolation"),
        "leaks": leaks,
        "connections": connections,
        "secret_in_output": any(secret in text for text in outputs),
    }


async def main(out: Path) -> None:
    secret = "GRADERS-SECRET-" + secrets.token_hex(8)
    os.environ["GRADERS_HOSTILE_SECRET"] = secret
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    sentinels = [
        subprocess.Popen(["sleep", "3600"], user=uid, group=uid)
        for uid in range(FIRST_UID, FIRST_UID + 4)
    ]
    sentinels.append(subprocess.Popen(["sleep", "3600"]))
    report: dict[str, Any] = {"cases": {}}
    try:
        only = set(sys.argv[2:])
        for case in load_cases():
            if only and case["name"] not in only:
                continue
            report["cases"][case["name"]] = await run_case(
                case, port, secret, listener, {p.pid for p in sentinels}
            )
        report["sentinels_alive"] = all(p.poll() is None for p in sentinels)
        report["escaped_file"] = any(Path("/tmp").glob(f"graders-escape-{NONCE}*"))
    finally:
        listener.close()
        for p in sentinels:
            p.send_signal(signal.SIGKILL)
            p.wait()
    out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
