"""Memory and process limits for a sandbox slot through cgroups, v1 or v2.

A slot's worker (and so every run it forks) is moved into a cgroup of its own, created under
this process's cgroup (v1 controllers ``memory`` and ``pids``; or v2 where ``memory`` and
``pids`` are delegated to us, or at the v2 root when we are root). The memory limit is the
memory verdict's basis: the kernel's OOM killer stops the run and the group's ``oom_kill``
counter says so, which an address-space limit cannot do for runtimes like Node. Where no
writable hierarchy exists, :func:`detect` returns None and the sandbox reports it runs with
rlimits only.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from graders.sandbox.payload.confine import oom_kills

__all__ = ["CgroupError", "Hierarchy", "SlotGroup", "detect"]

_NEEDED = ("memory", "pids")


class CgroupError(OSError):
    """A cgroup could not be created, configured or joined."""


@dataclass(frozen=True)
class Hierarchy:
    """Where slot groups are created: one base directory per controller (v1) or one (v2)."""

    version: int
    bases: dict[str, Path]
    """Controller -> directory under which slot groups are made (v2: both map to one)."""

    @property
    def label(self) -> str:
        return f"cgroup-v{self.version}"

    def sweep(self) -> None:
        """Remove groups left by processes that died without cleaning up (names start "<pid>-")."""
        for base in set(self.bases.values()):
            with contextlib.suppress(OSError):
                for path in base.iterdir():
                    pid = path.name.split("-", 1)[0]
                    if path.is_dir() and pid.isdigit() and not _alive(int(pid)):
                        stale = SlotGroup(
                            self.version, {c: b / path.name for c, b in self.bases.items()}
                        )
                        stale.kill()
                        stale.remove()

    def group(self, name: str) -> SlotGroup:
        """Create the group ``name`` (with the controllers this hierarchy has)."""
        dirs: dict[str, Path] = {}
        try:
            for controller, base in self.bases.items():
                path = base / name
                if path not in dirs.values():
                    path.mkdir(exist_ok=True)
                    if self.version == 2:
                        with contextlib.suppress(OSError):
                            (path / "memory.swap.max").write_text("0")
                dirs[controller] = path
        except OSError as exc:
            raise CgroupError(exc.errno, f"creating cgroup {name}: {exc.strerror}") from None
        return SlotGroup(self.version, dirs)


class SlotGroup:
    """One slot's cgroup(s): join, set limits, read the OOM-kill counter, remove."""

    def __init__(self, version: int, dirs: dict[str, Path]) -> None:
        self.version = version
        self.dirs = dirs
        self._memory: int | None = None
        self._pids: int | None = None
        self._events: int | None = None

    @property
    def memory(self) -> int | None:
        """The memory limit last set (None before the first)."""
        return self._memory

    @property
    def pids(self) -> int | None:
        """The process limit last set (None before the first)."""
        return self._pids

    def _write(self, controller: str, name: str, value: str) -> None:
        try:
            (self.dirs[controller] / name).write_text(value)
        except OSError as exc:
            raise CgroupError(exc.errno, f"writing {name}={value}: {exc.strerror}") from None

    def join(self, pid: int) -> None:
        """Move process ``pid`` (and the children it forks later) into the group."""
        for path in set(self.dirs.values()):
            try:
                (path / "cgroup.procs").write_text(str(pid))
            except OSError as exc:
                raise CgroupError(exc.errno, f"joining {path}: {exc.strerror}") from None

    def set_memory(self, limit: int) -> None:
        """Set the memory limit in bytes (swap included where the kernel accounts it)."""
        if limit == self._memory:
            return
        if self.version == 2:
            self._write("memory", "memory.max", str(limit))
        else:
            memsw = self.dirs["memory"] / "memory.memsw.limit_in_bytes"
            # memory + swap must stay >= memory: raise it first when growing, after when shrinking
            if memsw.exists() and self._memory is not None and limit > self._memory:
                self._write("memory", "memory.memsw.limit_in_bytes", str(limit))
                self._write("memory", "memory.limit_in_bytes", str(limit))
            else:
                self._write("memory", "memory.limit_in_bytes", str(limit))
                if memsw.exists():
                    self._write("memory", "memory.memsw.limit_in_bytes", str(limit))
        self._memory = limit

    def set_pids(self, limit: int) -> None:
        if limit != self._pids:
            self._write("pids", "pids.max", str(limit))
            self._pids = limit

    def events_fd(self) -> int:
        """A read-only descriptor of the file holding the group's OOM-kill counter, kept open
        until :meth:`remove`: the slot's worker reads it around each run (see
        :func:`~graders.sandbox.payload.confine.oom_kills`)."""
        if self._events is None:
            name = "memory.events" if self.version == 2 else "memory.oom_control"
            try:
                self._events = os.open(self.dirs["memory"] / name, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as exc:
                raise CgroupError(exc.errno, f"opening {name}: {exc.strerror}") from None
        return self._events

    def oom_kills(self) -> int:
        """How many processes the OOM killer has killed in this group so far."""
        try:
            return oom_kills(self.events_fd())
        except OSError:
            return 0

    def kill(self) -> None:
        """Kill every process left in the group."""
        path = self.dirs["memory"]
        if self.version == 2 and (path / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                (path / "cgroup.kill").write_text("1")
            return
        for directory in set(self.dirs.values()):
            with contextlib.suppress(OSError):
                for pid in (directory / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), 9)

    def remove(self) -> bool:
        """Remove the group's directories; False while processes remain in them."""
        if self._events is not None:
            os.close(self._events)
            self._events = None
        ok = True
        for path in set(self.dirs.values()):
            try:
                path.rmdir()
            except FileNotFoundError:
                continue
            except OSError:
                ok = False
        return ok


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under the key "" for v2."""
    out: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                out[controller] = path
    return out


def _mounts() -> tuple[dict[str, Path], Path | None]:
    """v1 mount points per controller, and the v2 mount point."""
    v1: dict[str, Path] = {}
    v2: Path | None = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            left, _, right = line.partition(" - ")
            fields, rest = left.split(), right.split()
            if len(fields) < 5 or len(rest) < 3:
                continue
            if rest[0] == "cgroup2" and v2 is None:
                v2 = Path(fields[4])
            elif rest[0] == "cgroup":
                for option in rest[2].split(","):
                    if option in _NEEDED:
                        v1[option] = Path(fields[4])
    return v1, v2


def _writable(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK)


def _v2_base(mount: Path, own: str) -> Path | None:
    """A v2 directory whose children get memory and pids, trying delegation before the root."""
    candidates = [mount / own.lstrip("/")]
    if os.geteuid() == 0:
        candidates.append(mount)
    for base in candidates:
        if not _writable(base):
            continue
        control = base / "cgroup.subtree_control"
        try:
            enabled = control.read_text().split()
            if not all(c in enabled for c in _NEEDED):
                control.write_text(" ".join(f"+{c}" for c in _NEEDED))
        except OSError:
            continue
        return base
    return None


def detect(prefix: str) -> Hierarchy | None:
    """The hierarchy to create slot groups in, with a probe group made and removed; or None.

    Slot groups go under ``<base>/<prefix>``; v1 is preferred on hybrid hosts where the
    controllers are bound to v1.
    """
    own = _own_paths()
    v1, v2 = _mounts()
    candidates: list[Hierarchy] = []
    if all(c in v1 for c in _NEEDED):
        bases = {c: v1[c] / own.get(c, "/").lstrip("/") / prefix for c in _NEEDED}
        candidates.append(Hierarchy(1, bases))
    if v2 is not None:
        base = _v2_base(v2, own.get("", "/"))
        if base is not None:
            candidates.append(Hierarchy(2, dict.fromkeys(_NEEDED, base / prefix)))
    for hierarchy in candidates:
        if _usable(hierarchy):
            return hierarchy
    return None


def _usable(hierarchy: Hierarchy) -> bool:
    """Create the prefix directories (enabling v2 controllers below them) and a probe group."""
    try:
        for base in set(hierarchy.bases.values()):
            base.mkdir(exist_ok=True)
            if hierarchy.version == 2:
                (base / "cgroup.subtree_control").write_text("+memory +pids")
        probe = hierarchy.group(f"{os.getpid()}-probe")
        ok = all((d / f).exists() for d, f in _limit_files(probe))
        probe.remove()
        return ok
    except OSError:
        return False


def _limit_files(group: SlotGroup) -> list[tuple[Path, str]]:
    if group.version == 2:
        return [(group.dirs["memory"], "memory.max"), (group.dirs["pids"], "pids.max")]
    return [(group.dirs["memory"], "memory.limit_in_bytes"), (group.dirs["pids"], "pids.max")]
