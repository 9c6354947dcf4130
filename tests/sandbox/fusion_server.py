"""A small SandboxFusion-compatible server for the remote backend's tests.

It implements ``POST /run_code`` as SandboxFusion documents it (request: ``code``, ``language``,
``stdin``, ``run_timeout``, ``compile_timeout``, ``memory_limit_MB``, ``files`` in base64,
``fetch_files``; answer: ``status``, ``message``, ``compile_result``, ``run_result``,
``files``) by running the code in a temporary directory with plain subprocesses. That is no
sandbox: it serves only the well-behaved programs of these tests, on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_RUN = {
    "python": ["/usr/bin/python3", "main.py"],
    "bash": ["/usr/bin/bash", "main.sh"],
    "nodejs": ["/usr/bin/node", "main.js"],
    "cpp": ["./main"],
}
_SOURCE = {"python": "main.py", "bash": "main.sh", "nodejs": "main.js", "cpp": "main.cpp"}


def _command(argv: list[str], cwd: str, stdin: str, timeout: float) -> dict[str, Any]:
    try:
        done = subprocess.run(
            argv, cwd=cwd, input=stdin.encode(), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        return {
            "status": "TimeLimitExceeded",
            "execution_time": timeout,
            "return_code": None,
            "stdout": (exc.stdout or b"").decode(errors="replace"),
            "stderr": (exc.stderr or b"").decode(errors="replace"),
        }
    return {
        "status": "Finished",
        "execution_time": 0.01,
        "return_code": done.returncode,
        "stdout": done.stdout.decode(errors="replace"),
        "stderr": done.stderr.decode(errors="replace"),
    }


def run_code(request: dict[str, Any]) -> dict[str, Any]:
    language = request["language"]
    with tempfile.TemporaryDirectory() as work:
        for name, data in request.get("files", {}).items():
            path = Path(work, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(data))
        Path(work, _SOURCE[language]).write_text(request["code"])
        answer: dict[str, Any] = {"status": "Success", "message": "", "compile_result": None}
        if language == "cpp":
            argv = ["g++", "-O2", "-o", "main", "main.cpp"]
            built = _command(argv, work, "", request.get("compile_timeout", 10))
            answer["compile_result"] = built
            if built["status"] != "Finished" or built["return_code"] != 0:
                answer.update(status="Failed", run_result=None, files={})
                return answer
        run = _command(_RUN[language], work, request.get("stdin") or "", request["run_timeout"])
        answer["run_result"] = run
        if run["status"] != "Finished" or run["return_code"] != 0:
            answer["status"] = "Failed"
        files = {}
        for name in request.get("fetch_files", []):
            path = Path(work, name)
            if path.exists():
                files[name] = base64.b64encode(path.read_bytes()).decode()
        answer["files"] = files
        return answer


class FusionServer(ThreadingHTTPServer):
    """The server, with the requests it received and a switch to fail them all."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.fail = False
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FusionServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()


class _Handler(BaseHTTPRequestHandler):
    server: FusionServer

    def do_POST(self) -> None:
        if self.path != "/run_code":
            self.send_error(404)
            return
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(request)
        if self.server.fail:
            answer = {"status": "SandboxError", "message": "no executor available"}
        else:
            answer = run_code(request)
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return
