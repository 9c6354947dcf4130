"""The training-integration commands of the ``graders`` CLI: ``serve`` and ``train``.

They live beside the adapters they drive and are registered on the app in :mod:`graders.cli`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["serve", "train"]


def serve(
    grader_file: Annotated[Path, typer.Argument(metavar="GRADER", help="The grader file.")],
    port: Annotated[int, typer.Option(help="TCP port (0 picks a free one).", min=0)] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    max_concurrency: Annotated[int, typer.Option(help="Requests graded at once.", min=1)] = 4,
    max_queue: Annotated[int, typer.Option(help="Requests waiting before 503.", min=0)] = 256,
    max_body_mb: Annotated[float, typer.Option(help="Largest request body (MiB).")] = 64.0,
    max_rows: Annotated[int, typer.Option(help="Most rows in one request.", min=1)] = 65536,
    concurrency: Annotated[int, typer.Option(help="Rows graded at once.", min=1)] = 64,
    timeout: Annotated[float | None, typer.Option(help="Per-sample time limit (s).")] = None,
    label_field: Annotated[
        str, typer.Option(help="/get_reward: the item field a non-object label fills.")
    ] = "answer",
    eos_token: Annotated[
        list[str] | None,
        typer.Option(
            help="/get_reward: an end-of-sequence string to strip (repeatable; "
            "default: common end-of-turn tokens such as <|im_end|>, </s>)."
        ),
    ] = None,
    abstain_reward: Annotated[
        float, typer.Option(help="/get_reward: the reward of an abstaining sample.")
    ] = 0.0,
) -> None:
    """Serve GRADER over HTTP: /v1/grade, OpenRLHF's /get_reward, /health and /metrics."""
    from graders.cli import _load, err
    from graders.core.errors import MissingDependencyError

    try:
        from graders.adapters.openrlhf import OpenRLHFOptions
        from graders.adapters.server import ServerOptions
        from graders.adapters.server import serve as serve_app
    except MissingDependencyError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None

    grader = _load(grader_file, concurrency=concurrency, sample_timeout_s=timeout)
    try:
        options = ServerOptions(
            max_concurrency=max_concurrency,
            max_queue=max_queue,
            max_body_bytes=int(max_body_mb * 1024 * 1024),
            max_rows=max_rows,
            openrlhf=OpenRLHFOptions(
                label_field=label_field, eos_tokens=eos_token or (), abstain_reward=abstain_reward
            ),
        )
    except ValueError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None

    def ready(url: str) -> None:  # one plain line: scripts wait for it
        print(f"graders serving {grader_file} at {url} (Ctrl-C stops)", file=sys.stderr, flush=True)

    async def run() -> None:
        task = asyncio.ensure_future(
            serve_app(grader, host=host, port=port, options=options, ready=ready)
        )
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        err.print(f"cannot listen on {host}:{port}: {exc.strerror}", markup=False)
        raise typer.Exit(1) from None


def train(
    config: Annotated[Path, typer.Argument(help="The run's YAML config.")],
    max_steps: Annotated[int | None, typer.Option(help="Override grpo.max_steps.", min=1)] = None,
    output_dir: Annotated[Path | None, typer.Option(help="Override output_dir.")] = None,
) -> None:
    """Train a model with TRL's GRPO, a grader as the reward, from one small config."""
    from graders.adapters.train import train as run_training
    from graders.cli import err, out
    from graders.core.errors import ConfigError, MissingDependencyError

    overrides = {"max_steps": max_steps} if max_steps is not None else None
    try:
        run = run_training(config, output_dir=output_dir, overrides=overrides)
    except (ConfigError, MissingDependencyError) as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None
    steps = [entry for entry in run.log_history if "reward" in entry]
    if steps:
        first, last = steps[0], steps[-1]
        out.print(
            f"reward: {first['reward']:.3f} at step {first['step']} -> "
            f"{last['reward']:.3f} at step {last['step']}"
        )
        for name in run.reward_names:
            key = f"rewards/{name}/mean"
            if key in last:
                out.print(f"  {name}: {first[key]:.3f} -> {last[key]:.3f}")
    out.print(f"model saved to {run.output_dir}")
