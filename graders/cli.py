"""The ``graders`` command line: validate, schema, grade, explain, test, serve, train."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from graders.core.errors import ConfigError, GradersError
from graders.core.result import Result
from graders.core.runner import Grader
from graders.core.summary import BatchSummary

app = typer.Typer(
    name="graders",
    help="Turn language-model outputs into rewards: validate, grade, explain and test graders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

SCHEMA_DIR = Path("schemas")
REFERENCE_DOC = Path("docs/grader-types.md")
"""Where `graders schema` writes, relative to the checkout (see :func:`_checkout`)."""


def _checkout() -> Path:
    """The source checkout this package runs from (an editable install), else the current
    directory: `graders schema` then finds the committed files wherever it is run from."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else Path.cwd()


def _fail_config(exc: ConfigError) -> typer.Exit:
    err.print(str(exc), markup=False)
    return typer.Exit(2)


NoCache = Annotated[
    bool, typer.Option("--no-cache", help="Neither read nor write the model reply cache.")
]
CacheTTL = Annotated[
    float | None,
    typer.Option("--cache-ttl", help="Ignore cached model replies older than this (s)."),
]
BudgetUSD = Annotated[
    float | None, typer.Option("--budget-usd", help="Stop making model calls past this cost ($).")
]
BudgetTokens = Annotated[
    int | None,
    typer.Option("--budget-tokens", help="Stop making model calls past this many tokens."),
]


def _model_settings(
    no_cache: bool = False,
    cache_ttl: float | None = None,
    budget_usd: float | None = None,
    budget_tokens: int | None = None,
) -> dict[str, Any]:
    """The run settings of model calls (judges, embeddings) from the command-line options."""
    models: dict[str, Any] = {"cache": not no_cache}
    if cache_ttl is not None:
        models["cache_ttl_s"] = cache_ttl
    if budget_usd is not None:
        models["budget_usd"] = budget_usd
    if budget_tokens is not None:
        models["budget_tokens"] = budget_tokens
    return {"models": models}


def _load(path: Path, **options: Any) -> Grader:
    try:
        return Grader.load(path, **options)
    except ConfigError as exc:
        raise _fail_config(exc) from None


def _is_test_file(path: Path) -> bool:
    name = path.name
    return name in ("tests.yaml", "tests.yml") or name.endswith((".tests.yaml", ".tests.yml"))


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Grader or grader test files.")],
) -> None:
    """Check grader files (and grader test files) and report every problem."""
    from graders.testing.cases import load_suite

    failed = 0
    for path in files:
        try:
            if _is_test_file(path):
                suite, _ = load_suite(path)
                out.print(f"ok  {path} ({len(suite.cases)} cases)")
            else:
                grader = Grader.load(path)
                nodes = sum(1 for _ in grader.spec.walk())
                out.print(f"ok  {path} ({grader.spec.type}, {nodes} nodes)")
        except ConfigError as exc:
            failed += 1
            err.print(str(exc), markup=False)
    if failed:
        raise typer.Exit(1)


@app.command()
def schema(
    check: Annotated[bool, typer.Option(help="Fail if the committed files are stale.")] = False,
    directory: Annotated[
        Path | None, typer.Option(help="Where schema files go [default: <checkout>/schemas].")
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(help="The generated type reference [default: <checkout>/docs/...]."),
    ] = None,
) -> None:
    """Regenerate the JSON Schema files and the grader type reference."""
    from graders.spec.docs import render_reference
    from graders.spec.schema import render_schemas

    root = _checkout()
    directory = directory or root / SCHEMA_DIR
    reference = reference or root / REFERENCE_DOC

    files = {directory / name: text for name, text in render_schemas().items()}
    files[reference] = render_reference()
    stale = []
    for path, text in files.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if check and stale:
        err.print("stale: " + ", ".join(map(str, stale)) + " (run `graders schema`)")
        raise typer.Exit(1)
    for path in files:
        out.print(f"{'wrote' if path in stale else 'unchanged'}  {path}")


def _summary_table(summary: BatchSummary) -> Table:
    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.1f}%"

    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.4f}"

    table = Table(title="graders summary", show_header=True, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("rows", str(summary.total))
    table.add_row("scored", str(summary.scored))
    table.add_row("abstained", str(summary.abstained))
    table.add_row("errored", str(summary.errored))
    table.add_row("skipped (bad lines)", str(summary.skipped))
    table.add_row("mean reward", num(summary.mean_reward))
    table.add_row("pass rate", pct(summary.pass_rate))
    for name, stats in summary.components.items():
        table.add_row(f"  {name} mean", num(stats.mean))
    for kind, count in sorted(summary.error_kinds.items()):
        table.add_row(f"  errors: {kind}", str(count))
    usage = summary.usage
    if usage:
        table.add_row("model calls (cached)", f"{usage.get('calls', 0)} ({usage.get('cached', 0)})")
        tokens = (usage.get("prompt_tokens") or 0) + (usage.get("completion_tokens") or 0)
        table.add_row("model tokens", str(tokens))
        cost = usage.get("cost_usd")
        table.add_row("model cost", "unknown (no price set)" if cost is None else f"${cost:.4f}")
    table.add_row("seconds", f"{summary.elapsed_s:.2f}")
    return table


class Engine(StrEnum):
    """Where ``graders grade`` runs the batch."""

    local = "local"
    ray = "ray"


@app.command()
def grade(
    grader_file: Annotated[Path, typer.Argument(metavar="GRADER", help="The grader file.")],
    samples: Annotated[Path, typer.Argument(help="JSONL of {sample, item} rows.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write one result line per input line ('-' for stdout)."
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Rows graded at once.", min=1)] = 64,
    timeout: Annotated[float | None, typer.Option(help="Per-sample time limit (s).")] = None,
    no_cache: NoCache = False,
    cache_ttl: CacheTTL = None,
    budget_usd: BudgetUSD = None,
    budget_tokens: BudgetTokens = None,
    engine: Annotated[
        Engine, typer.Option(help="local, or ray to spread the batch over a Ray cluster.")
    ] = Engine.local,
    ray_address: Annotated[
        str | None, typer.Option(help="Ray cluster to join ('auto'); default starts a local one.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Ray workers (default: its CPUs).", min=1)
    ] = None,
) -> None:
    """Grade a JSONL file of samples and print a summary."""
    from graders.core.rows import BadLine, read_rows

    grader = _load(
        grader_file,
        concurrency=concurrency,
        sample_timeout_s=timeout,
        settings=_model_settings(no_cache, cache_ttl, budget_usd, budget_tokens),
    )
    try:
        lines = list(read_rows(samples))
    except OSError as exc:
        err.print(f"cannot read {samples}: {exc.strerror}")
        raise typer.Exit(2) from None
    for number, row in lines:
        if isinstance(row, BadLine):
            err.print(f"{samples}:{number}: skipped: {row.message}", markup=False)
    good = [(i, row) for i, (_, row) in enumerate(lines) if not isinstance(row, BadLine)]
    try:
        if engine is Engine.ray:
            from graders.adapters.ray import grade_batch as ray_grade_batch

            if budget_usd is not None or budget_tokens is not None:
                err.print(
                    "note: --budget-usd and --budget-tokens hold per Ray worker: N workers "
                    "may spend up to N times the cap in all (divide it by --workers)",
                    markup=False,
                )

            batch = ray_grade_batch(
                grader, [row for _, row in good], address=ray_address, num_workers=workers
            )
        else:
            batch = _run_batch(grader, [row for _, row in good])
    finally:
        grader.close()  # clients and the reply cache
    results: list[Result] = [
        row.result() if isinstance(row, BadLine) else Result() for _, row in lines
    ]
    for (index, _), result in zip(good, batch.results, strict=True):
        results[index] = result
    summary = BatchSummary.from_results(results, elapsed_s=batch.summary.elapsed_s)
    if output is not None:
        _write_results(output, results)
    (err if output == Path("-") else out).print(_summary_table(summary))


def _run_batch(grader: Grader, rows: list[Any]) -> Any:
    if not sys.stderr.isatty():
        return grader.grade_batch_sync(rows)
    from rich.progress import Progress

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("grading", total=len(rows))
        return grader.grade_batch_sync(rows, on_result=lambda i, r: progress.advance(task))


def _write_results(path: Path, results: list[Result]) -> None:
    handle = sys.stdout if path == Path("-") else open(path, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for result in results:
            record = {"reward": result.score, "result": result.to_dict()}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if handle is not sys.stdout:
            handle.close()


def _rich_tree(result: Result, tree: Tree | None = None) -> Tree:
    score = "[yellow]abstain[/]" if result.score is None else f"[bold]{result.score:.4g}[/]"
    mark = {True: "[green]pass[/]", False: "[red]fail[/]", None: ""}[result.passed]
    label = f"{result.label} [dim]{result.type} {result.path}[/] {score} {mark}"
    if result.reason:
        label += f" [dim]-[/] {_escape(result.reason)}"
    if result.error is not None:
        label += f" [red]{result.error.kind}: {_escape(result.error.message)}[/]"
    node = Tree(label) if tree is None else tree.add(label)
    for child in result.children:
        _rich_tree(child, node)
    return node


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@app.command()
def explain(
    grader_file: Annotated[Path, typer.Argument(metavar="GRADER", help="The grader file.")],
    sample: Annotated[Path, typer.Argument(help="A JSON file {sample, item}, or a JSONL file.")],
    line: Annotated[int, typer.Option(help="Which line of a JSONL file.", min=1)] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the tree as JSON.")] = False,
    no_cache: NoCache = False,
) -> None:
    """Grade one sample and print the result tree with each node's score and reason."""
    grader = _load(grader_file, settings=_model_settings(no_cache))
    try:
        text = sample.read_text(encoding="utf-8")
        if sample.suffix == ".jsonl":
            rows = [ln for ln in text.splitlines() if ln.strip()]
            if line > len(rows):
                err.print(f"{sample} has {len(rows)} rows, no row {line}")
                raise typer.Exit(2)
            text = rows[line - 1]
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        err.print(f"cannot read a sample from {sample}: {exc}")
        raise typer.Exit(2) from None
    if not isinstance(data, dict) or "sample" not in data:
        err.print(f"{sample}: expected an object with 'sample' (and 'item')")
        raise typer.Exit(2)
    try:
        result = grader.grade_sync(data["sample"], data.get("item"))
    except GradersError as exc:
        err.print(f"{type(exc).__name__}: {exc}", markup=False)
        raise typer.Exit(1) from None
    finally:
        grader.close()
    if as_json:
        out.print_json(json.dumps(result.to_dict()))
    else:
        out.print(_rich_tree(result))


@app.command("test")
def test_command(files: Annotated[list[Path], typer.Argument(help="Grader test files.")]) -> None:
    """Run grader test files (expected scores for samples) and report each case."""
    from graders.testing.cases import run_suite

    passed = failed = 0
    for path in files:
        try:
            report = run_suite(path)
        except ConfigError as exc:
            failed += 1
            err.print(str(exc), markup=False)
            continue
        for outcome in report.outcomes:
            if outcome.ok:
                passed += 1
                out.print(f"[green]PASS[/] {path} :: {_escape(outcome.name)}")
                continue
            failed += 1
            out.print(f"[red]FAIL[/] {path} :: {_escape(outcome.name)}")
            for failure in outcome.failures:
                out.print(f"       {_escape(failure)}")
            if outcome.result is not None:
                out.print(_rich_tree(outcome.result))
    out.print(f"{passed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


def _register_adapter_commands() -> None:
    from graders.adapters import commands

    app.command()(commands.serve)
    app.command()(commands.train)


_register_adapter_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
