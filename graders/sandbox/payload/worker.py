"""The slot worker: PID 1 of one sandbox, running one program at a time for the host.

It starts as root inside bubblewrap with only CAP_SETUID, CAP_SETGID and CAP_KILL (or as the
invoking user when the host is not root), reads framed requests on fd 0 and answers on fd 1.
Being PID 1 of its own PID namespace, it cannot be signalled by the programs it runs, it
inherits every orphan they leave, and ``kill(-1)`` from it reaches every process in the sandbox
and nothing outside. Each run is a fork of the worker (warm Python: the interpreter and common
modules are already loaded) or a fork and ``exec`` (everything else). After each run every
process is killed and reaped and the writable directories are emptied, so nothing outlives a
run and nothing carries over to the next.

Requests: ``init`` (uid, pre-imports, seccomp), ``files`` (replace the work directory's files)
and ``run`` (one program with its stdin, limits and output caps). Answers carry the exit status,
CPU and wall time, peak memory and the captured stdout, stderr and result channel as raw blobs.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import json
import os
import select
import signal
import sys
import time
from typing import Any

from . import confine, driver, guard, protocol

__all__ = ["main"]

WORK = "/work"
SCRATCH = ("/tmp", "/dev/shm")
COLD_BOOT = "import sys;sys.path.insert(0,'/opt/graders');from payload.driver import main;main()"
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TMPDIR": "/tmp"}
_TICK_S = 0.02
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_CHUNK = 1 << 16


class Worker:
    """The worker's state between requests."""

    def __init__(self) -> None:
        self.uid: int | None = None
        self.gid: int | None = None
        self.oom_fd: int | None = None
        """The slot's memory cgroup's OOM-kill counter, opened by the host (None: no cgroup)."""
        self.inputs: list[str] = []
        """The current run's input files in the work directory."""
        self.empty_size = _empty_sizes()
        """Scratch directories whose size tells whether they hold anything: their size empty."""

    # -- requests ---------------------------------------------------------------------------

    def init(self, req: dict[str, Any]) -> dict[str, Any]:
        self.uid, self.gid = req.get("uid"), req.get("gid")
        self.oom_fd = req.get("oom_fd")
        if self.oom_fd is not None:
            confine.oom_kills(self.oom_fd)  # unreadable: the slot fails to start, never silently
        for module in req.get("preimport", []):
            try:
                importlib.import_module(module)
            except ImportError:
                continue
        installed, note = False, "not requested"
        if req.get("seccomp"):
            bpf, note = guard.build()
            if bpf is not None:
                guard.install(bpf)
                installed = True
        driver.prepare_process(os.path.join(WORK, "solution.py"))
        gc.collect()
        gc.freeze()  # forked runs then never touch the pages the collector would scan
        return {"ok": True, "seccomp": installed, "seccomp_note": note, "python": sys.version}

    def files(self, req: dict[str, Any], blobs: list[bytes]) -> dict[str, Any]:
        _empty(WORK)
        driver.SOURCES.clear()
        for spec, data in zip(req["files"], blobs, strict=True):
            path = os.path.join(WORK, spec["name"])
            _write(path, data, spec.get("mode", 0o644))
            if spec.get("preload"):  # root's file in a root-owned directory: runs cannot
                driver.SOURCES[path] = data  # change it, so forked runs read this copy
        return {"ok": True}

    def run(self, req: dict[str, Any], blobs: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        stdin_path = "/dev/null"
        if req.get("stdin") is not None:
            stdin_path = os.path.join(WORK, "stdin")
            _write(stdin_path, blobs[req["stdin"]], 0o644)
            self.inputs.append(stdin_path)
        task, argv = req.get("task"), req.get("argv")
        if task is not None and argv is not None:  # cold: a fresh interpreter reads the task
            task_path = os.path.join(WORK, "test.json")
            _write(task_path, json.dumps(task).encode(), 0o644)
            self.inputs.append(task_path)
            argv = [*argv, "-c", COLD_BOOT, task_path]
        blobs.clear()
        conf = {
            "rlimits": req.get("rlimits", {}),
            "uid": self.uid,
            "gid": self.gid,
            "exec": argv is not None,
            "cwd": req.get("cwd", WORK),
            "cpus": req.get("cpus"),
        }
        try:
            run = Run(req, conf, stdin_path, argv, task, self.oom_fd)
            header, out = run.execute()
            if req.get("collect") and header.get("setup_error") is None:
                out.append(self._collect(req["collect"]))
        finally:
            self._reset()
        return header, out

    # -- helpers ----------------------------------------------------------------------------

    def _collect(self, spec: dict[str, Any]) -> bytes:
        """Install a file the run wrote (a compiled program) into the work dir, and return it."""
        try:
            with open(spec["from"], "rb") as fh:
                data = fh.read(spec.get("max_bytes", 1 << 28) + 1)
        except OSError:
            return b""
        if len(data) > spec.get("max_bytes", 1 << 28):
            return b""
        _write(os.path.join(WORK, spec["to"]), data, 0o755)
        return data

    def _reset(self) -> None:
        """Remove the run's inputs; empty the scratch directories it wrote to (as the slot
        user, who owns what is in them)."""
        while self.inputs:
            os.unlink(self.inputs.pop())
        used = [path for path in SCRATCH if os.stat(path).st_size != self.empty_size.get(path)]
        if not used:
            return
        if self.uid is not None:
            os.setresuid(-1, self.uid, -1)
        try:
            for path in used:
                _empty(path)
        finally:
            if self.uid is not None:
                os.setresuid(-1, 0, -1)


class Run:
    """One program run: fork, confine, watch the output and the clock, kill, reap."""

    def __init__(
        self,
        req: dict[str, Any],
        conf: dict[str, Any],
        stdin_path: str,
        argv: list[str] | None,
        task: dict[str, Any] | None,
        oom_fd: int | None = None,
    ) -> None:
        self.req, self.conf, self.argv, self.task = req, conf, argv, task
        self.oom_fd = oom_fd
        self.stdin_path = stdin_path
        caps = req.get("caps", {})
        self.caps = [
            caps.get("stdout", 1 << 24),
            caps.get("stderr", 1 << 20),
            caps.get("result", 1 << 24),
        ]
        self.cpu_limit = float(req.get("cpu_s", 10.0))
        self.wall_limit = float(req.get("wall_s", 20.0))
        self.buffers = [bytearray(), bytearray(), bytearray()]
        self.totals = [0, 0, 0]

    def execute(self) -> tuple[dict[str, Any], list[bytes]]:
        pipes = [os.pipe2(os.O_CLOEXEC) for _ in range(3)]
        setup_r, setup_w = os.pipe2(os.O_CLOEXEC)
        stdin_fd = os.open(self.stdin_path, os.O_RDONLY | os.O_CLOEXEC)
        readers = {r: index for index, (r, _) in enumerate(pipes)}
        for fd in readers:
            os.set_blocking(fd, False)
        oom_before = confine.oom_kills(self.oom_fd) if self.oom_fd is not None else 0
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            self._child(stdin_fd, [w for _, w in pipes], setup_w)
        # While the run lives, every page this process writes is first copied (it shares them
        # with the run), about 2.4 us a page; after, it is only a fault (0.9 us). So until the
        # run ends, do as little as possible: close and read the setup channel afterwards.
        killed = self._watch(pid, readers, start)
        status, usage = _kill_and_reap(pid)
        wall = time.monotonic() - start
        # counted here, around this run alone (the host may already have sent the next one)
        oom = confine.oom_kills(self.oom_fd) - oom_before if self.oom_fd is not None else 0
        for fd in (stdin_fd, setup_w, *(w for _, w in pipes)):
            os.close(fd)
        setup_error = _read_all(setup_r).decode(errors="replace") or None
        os.close(setup_r)
        for fd, index in readers.items():
            self._drain(fd, index, final=True)
            os.close(fd)
        # what a run wrote just before it exited counts against the caps too
        killed = killed or self._over_cap()
        totals = self.totals
        header: dict[str, Any] = {
            "exit": os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status)
            if status is not None and os.WIFSIGNALED(status)
            else None,
            "killed": killed,
            "cpu_s": usage["cpu_s"],
            "wall_s": wall,
            "maxrss_kb": usage["maxrss_kb"],
            "stdout_bytes": totals[0],
            "stderr_bytes": totals[1],
            "result_bytes": totals[2],
            "setup_error": setup_error,
            "oom_kills": oom,
        }
        return header, [bytes(b[:cap]) for b, cap in zip(self.buffers, self.caps, strict=True)]

    def _child(self, stdin_fd: int, writers: list[int], setup_w: int) -> None:
        """In the forked child: confine, then exec the program or run the Python task."""
        try:
            if setup_w < 4:
                setup_w = fcntl.fcntl(setup_w, fcntl.F_DUPFD_CLOEXEC, 10)
            confine.enter((stdin_fd, writers[0], writers[1], writers[2]), setup_w, self.conf)
            if self.argv is not None:
                os.execve(self.argv[0], self.argv, ENV)
            os.close(setup_w)  # setup done: what runs from here on is the program
            assert self.task is not None
            driver.run_task(self.task)
        except BaseException as exc:
            try:
                os.write(setup_w, f"{type(exc).__name__}: {exc}".encode())
            finally:
                os._exit(127)

    def _watch(self, pid: int, readers: dict[int, int], start: float) -> str | None:
        """Read output until the program exits or breaks a limit; the limit it broke, if any.

        Most runs exit within the first tick, having written less than a pipe holds, so during
        that tick only the exit is awaited (one wake-up, nothing touched while the run lives);
        from then on output is read as it comes. (A run whose setup failed exits at once, having
        written why to the setup channel.)
        """
        pidfd = os.pidfd_open(pid)
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        deadline = start + self.wall_limit
        next_check = start + _TICK_S
        reading = False
        try:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return "wall"
                wait = max(0.0, min(deadline, next_check) - now)
                for fd, _ in poller.poll(wait * 1000):
                    if fd == pidfd:
                        return None
                    if not self._drain(fd, readers[fd]):
                        poller.unregister(fd)
                    over = self._over_cap()
                    if over:
                        return over
                if time.monotonic() >= next_check:
                    next_check += _TICK_S
                    if not reading:
                        for fd in readers:
                            poller.register(fd, select.POLLIN)
                        reading = True
                    if _tree_cpu() > self.cpu_limit:
                        return "cpu"
        finally:
            os.close(pidfd)

    def _over_cap(self) -> str | None:
        for name, total, cap in zip(
            ("stdout", "stderr", "result"), self.totals, self.caps, strict=True
        ):
            if total > cap:
                return name
        return None

    def _drain(self, fd: int, index: int, *, final: bool = False) -> bool:
        """Read what is available (keeping up to the cap); False at end of file."""
        buf, cap = self.buffers[index], self.caps[index]
        while True:
            try:
                chunk = os.read(fd, _CHUNK)
            except BlockingIOError:
                return True
            if not chunk:
                return False
            self.totals[index] += len(chunk)
            room = cap + 1 - len(buf)
            if room > 0:
                buf += chunk[:room]
            if not final:
                return True


def _tree_cpu() -> float:
    """CPU seconds used so far by every process in the sandbox but the worker (zombies too)."""
    ticks = 0
    for name in os.listdir("/proc"):
        if not name.isdigit() or name == "1":
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return ticks / _CLK_TCK


def _kill_and_reap(main: int) -> tuple[int | None, dict[str, float]]:
    """Kill every process in the sandbox but the worker; reap them all; the main's status."""
    status: int | None = None
    cpu, maxrss = 0.0, 0
    while True:
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        reaped = False
        while True:
            try:
                pid, code, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return status, {"cpu_s": cpu, "maxrss_kb": maxrss}
            if pid == 0:
                break
            reaped = True
            cpu += usage.ru_utime + usage.ru_stime
            maxrss = max(maxrss, usage.ru_maxrss)
            if pid == main:
                status = code
        if not reaped:
            time.sleep(0.0002)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, _CHUNK):
        chunks.append(chunk)
    return b"".join(chunks)


def _write(path: str, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        protocol.write_all(fd, data)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _empty_sizes() -> dict[str, int]:
    """The empty size of each scratch directory whose size grows with its entries (tmpfs: 20
    bytes an entry), found by adding an entry: for those, a run that left nothing there (most
    runs) costs one stat instead of listing the directory as the slot user."""
    sizes = {}
    for path in SCRATCH:
        empty = os.stat(path).st_size
        probe = os.path.join(path, ".graders-empty-size")
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
        try:
            grows = os.stat(path).st_size > empty
        finally:
            os.unlink(probe)
        if grows and os.stat(path).st_size == empty and not os.listdir(path):
            sizes[path] = empty
    return sizes


def _empty(path: str) -> None:
    """Remove everything inside ``path`` (the directory itself stays)."""
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                # imported only when needed: shutil loads bz2, lzma and zlib, and every module
                # loaded in the worker makes each fork slower (~25 us a run for these)
                import shutil

                shutil.rmtree(entry.path, onerror=_force)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def _force(func: Any, path: str, _exc: Any) -> None:
    """rmtree's error hook: make a directory the program locked down writable, then retry."""
    try:
        os.chmod(os.path.dirname(path), 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
            import shutil

            shutil.rmtree(path, onerror=_force)
        else:
            func(path)
    except OSError:
        pass


def main() -> None:
    """Serve requests until the host closes the channel."""
    rx = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 100)
    tx = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 100)
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    confine.set_dumpable(False)  # keep runs of the same uid out of the worker's /proc
    worker = Worker()
    while True:
        try:
            req, blobs = protocol.read_frame(rx)
        except protocol.FrameError:
            return
        out: list[bytes] = []
        try:
            op = req.get("op")
            if op == "init":
                header = worker.init(req)
            elif op == "files":
                header = worker.files(req, blobs)
            elif op == "run":
                header, out = worker.run(req, blobs)
            else:
                header = {"error": f"unknown op {op!r}"}
        except Exception as exc:  # a worker bug is a sandbox error for the host, not a crash
            header, out = {"error": f"{type(exc).__name__}: {exc}"}, []
        protocol.write_all(tx, protocol.encode(header, out))


if __name__ == "__main__":
    main()
