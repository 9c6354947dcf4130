"""The Ray engine on a local Ray cluster the test starts: same results, same order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import graders
from graders.adapters.ray import grade_batch
from graders.cli import app

from .conftest import ANSWER_SHORT_GRADER

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """A two-CPU local cluster, small object store, no dashboard; shut down afterwards."""
    ray.init(
        num_cpus=2,
        object_store_memory=80 * 1024 * 1024,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        yield
    finally:
        ray.shutdown()


def untimed(tree: dict[str, Any]) -> dict[str, Any]:
    """A result tree without its timings, which differ from run to run."""
    out = {k: v for k, v in tree.items() if k != "elapsed_ms"}
    if "children" in out:
        out["children"] = [untimed(child) for child in out["children"]]
    return out


def batch_rows(count: int) -> list[Any]:
    rows: list[Any] = [
        {"sample": f"so {i} " + "x" * (i % 30), "item": {"answer": str(i if i % 3 else i + 1)}}
        for i in range(count)
    ]
    rows[7] = {"item": {}}  # a bad row stays in its place
    rows[11] = {"sample": "1", "item": {"answer": "one"}}  # an abstention
    return rows


def test_ray_engine_matches_the_local_engine_in_order(cluster: None) -> None:
    grader = graders.loads(ANSWER_SHORT_GRADER)
    rows = batch_rows(1000)
    local = grader.grade_batch_sync(rows)
    seen: list[int] = []
    remote = grade_batch(
        grader, rows, chunk_size=64, num_workers=2, on_result=lambda i, r: seen.append(i)
    )
    assert [untimed(r.to_dict()) for r in remote.results] == [
        untimed(r.to_dict()) for r in local.results
    ]
    assert sorted(seen) == list(range(1000))
    summary, expected = remote.summary.to_dict(), local.summary.to_dict()
    summary.pop("elapsed_s"), expected.pop("elapsed_s")
    assert summary == expected
    assert remote.summary.skipped == 1 and remote.summary.abstained == 1


def test_bad_options_and_empty_batches(cluster: None) -> None:
    grader = graders.loads(ANSWER_SHORT_GRADER)
    assert grade_batch(grader, []).results == []
    with pytest.raises(ValueError, match="chunk_size=0"):
        grade_batch(grader, [], chunk_size=0)
    with pytest.raises(ValueError, match="num_workers=0"):
        grade_batch(grader, [], num_workers=0)


def test_graders_grade_engine_ray(cluster: None, tmp_path: Path) -> None:
    grader_path = tmp_path / "grader.yaml"
    grader_path.write_text(ANSWER_SHORT_GRADER, encoding="utf-8")
    samples = tmp_path / "samples.jsonl"
    lines = [json.dumps(row) for row in batch_rows(50)]
    lines.insert(3, "{not json")
    samples.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.jsonl"
        result = CliRunner().invoke(
            app, ["grade", str(grader_path), str(samples), "--engine", engine, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        outputs[engine] = [json.loads(line)["reward"] for line in out.read_text().splitlines()]
    assert len(outputs["ray"]) == 51
    assert outputs["ray"] == outputs["local"]


def test_math_example_under_ray_matches_the_local_engine(cluster: None) -> None:
    """The math family's worker processes run inside each Ray worker: same verdicts."""
    examples = Path(__file__).resolve().parents[2] / "examples" / "math"
    rows = [json.loads(line) for line in (examples / "samples.jsonl").read_text().splitlines()]
    grader = graders.load(examples / "grader.yaml")
    try:
        local = grader.grade_batch_sync(rows)
    finally:
        grader.close()
    remote = grade_batch(examples / "grader.yaml", rows, chunk_size=5, num_workers=2)
    assert len(rows) >= 10  # two chunks, one per worker
    assert [r.score for r in remote.results] == [r.score for r in local.results]
    assert [untimed(r.to_dict()) for r in remote.results] == [
        untimed(r.to_dict()) for r in local.results
    ]


def test_a_budget_under_the_ray_engine_is_said_to_hold_per_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graders.adapters.ray as ray_adapter

    def local(grader: Any, rows: Any, **options: Any) -> Any:  # no cluster needed for the note
        return grader.grade_batch_sync(rows)

    monkeypatch.setattr(ray_adapter, "grade_batch", local)
    grader_path = tmp_path / "grader.yaml"
    grader_path.write_text(ANSWER_SHORT_GRADER, encoding="utf-8")
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(row) + "\n" for row in batch_rows(12)), encoding="utf-8")
    command = ["grade", str(grader_path), str(samples), "--engine", "ray"]
    result = CliRunner().invoke(app, [*command, "--budget-usd", "5"])
    assert result.exit_code == 0, result.output
    assert "hold per Ray worker" in result.output
    assert "hold per Ray worker" not in CliRunner().invoke(app, command).output
