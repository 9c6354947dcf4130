"""cgroup handling on fake hierarchies: the file protocol of v1 and v2, and v2 delegation.

The real v1 hierarchy of the development machine is exercised by every sandboxed test; v2 is
checked here at the level of files (which file is written, in which order, what is read), since
this machine's controllers are bound to v1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.sandbox import cgroups


def _v1(tmp_path: Path) -> cgroups.SlotGroup:
    memory, pids = tmp_path / "memory", tmp_path / "pids"
    for path in (memory, pids):
        path.mkdir()
    (memory / "memory.memsw.limit_in_bytes").write_text("9223372036854771712")
    (memory / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
    return cgroups.SlotGroup(1, {"memory": memory, "pids": pids})


class _Recorder(cgroups.SlotGroup):
    """A group that records its writes in order."""

    writes: list[tuple[str, str]]

    def _write(self, controller: str, name: str, value: str) -> None:
        self.writes.append((name, value))
        super()._write(controller, name, value)


def test_v1_memory_and_swap_limits_are_written_in_a_valid_order(tmp_path: Path) -> None:
    group = _Recorder(1, _v1(tmp_path).dirs)
    group.writes = []
    group.set_memory(100)  # shrinking from unlimited: memory first
    group.set_memory(100)  # unchanged: nothing written
    group.set_memory(200)  # growing: memory + swap first
    group.set_memory(50)
    assert group.writes == [
        ("memory.limit_in_bytes", "100"),
        ("memory.memsw.limit_in_bytes", "100"),
        ("memory.memsw.limit_in_bytes", "200"),
        ("memory.limit_in_bytes", "200"),
        ("memory.limit_in_bytes", "50"),
        ("memory.memsw.limit_in_bytes", "50"),
    ]
    assert group.oom_kills() == 3


def test_v2_files(tmp_path: Path) -> None:
    base = tmp_path / "graders"
    base.mkdir()
    hierarchy = cgroups.Hierarchy(2, {"memory": base, "pids": base})
    group = hierarchy.group("123-s0")
    path = base / "123-s0"
    assert group.dirs == {"memory": path, "pids": path}
    assert (path / "memory.swap.max").read_text() == "0"
    group.set_memory(1 << 20)
    group.set_pids(65)
    assert (path / "memory.max").read_text() == "1048576"
    assert (path / "pids.max").read_text() == "65"
    (path / "memory.events").write_text("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n")
    assert group.oom_kills() == 1
    (path / "memory.events").write_text("low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\n")
    assert group.oom_kills() == 2  # read afresh each time
    assert hierarchy.label == "cgroup-v2"


def test_v2_uses_a_delegated_subtree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "user.slice" / "app"
    own.mkdir(parents=True)
    (own / "cgroup.subtree_control").write_text("cpu memory pids\n")
    monkeypatch.setattr(cgroups.os, "geteuid", lambda: 1000)
    assert cgroups._v2_base(tmp_path, "/user.slice/app") == own


def test_v2_without_delegation_and_without_root_has_no_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "user.slice" / "app"
    own.mkdir(parents=True)
    control = own / "cgroup.subtree_control"
    control.write_text("")
    control.chmod(0o444)
    monkeypatch.setattr(cgroups.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(cgroups.os, "access", lambda path, mode: Path(path) != own)
    assert cgroups._v2_base(tmp_path, "/user.slice/app") is None


def test_stale_groups_of_dead_processes_are_swept(tmp_path: Path) -> None:
    base = tmp_path / "graders"
    (base / "999999999-s0").mkdir(parents=True)
    (base / "1-s0").mkdir()  # pid 1 is alive
    cgroups.Hierarchy(2, {"memory": base, "pids": base}).sweep()
    assert sorted(p.name for p in base.iterdir()) == ["1-s0"]
