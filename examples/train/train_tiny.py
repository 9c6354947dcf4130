"""Train a tiny model to copy a digit with TRL's GRPO, with grader.yaml as the reward.

    python examples/train/train_tiny.py                # about 300 steps
    python examples/train/train_tiny.py --steps 20     # a quick look

The model (a two-layer Llama, about 20k parameters, random weights) and its one-token-per-
character tokenizer are built here; nothing is downloaded. The prompt is "copy 7:"; the reward
is ``answer`` (1.0, the completion starts with the digit) plus ``stop`` (0.5, it ended right
after the digit). The run uses the GPU when there is one and the CPU otherwise.

The reward curve (128 completions a step, learning rate 3e-3), mean reward over blocks of 20
steps, measured on 2 CPU cores (about 20 s a run) and on one H100 (TRL's bf16 default, 34 s
of training a run: a model this small gains nothing from a GPU). The random streams differ
between devices, so the same seed traces a different curve; on the H100, seed 1 learned the
answer but never found ``stop`` in 300 steps (fp32 on the GPU did the same: 0.70):

    steps      CPU seed 0   seed 1   seed 2   H100 seed 0   seed 1   seed 2
    1-20            0.015    0.016    0.013         0.010    0.016    0.012
    101-120         0.444    0.956    0.520         0.519    0.367    0.569
    181-200         1.007    1.344    0.988         0.761    0.706    1.119
    281-300         1.378    1.491    1.491         1.223    0.700    1.441

A random model names the digit 1 time in 99; ``answer`` climbs first, then ``stop`` follows
(it learns to end right after the digit), of a possible 1.5.

The script prints the mean reward over each block of 20 steps and exits with status 0 when
the last block beats the first by at least 0.5 (at ``--steps 300`` it should), else 1.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from graders.adapters.train import DatasetConfig, TrainConfig, train
from graders.testing.tiny_lm import save_tiny_model

HERE = Path(__file__).resolve().parent
BLOCK = 20


def write_dataset(path: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(count):
            digit = str(rng.randrange(10))
            handle.write(json.dumps({"prompt": f"copy {digit}:", "answer": digit}) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("runs/copy-digit"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    model = save_tiny_model(args.out / "model")
    write_dataset(args.out / "data.jsonl", 4096, args.seed)
    config = TrainConfig(
        model=str(model),
        dataset=DatasetConfig(path=str(args.out / "data.jsonl")),
        grader=str(HERE / "grader.yaml"),
        grpo={
            "num_generations": 8,
            "per_device_train_batch_size": 128,
            "max_completion_length": 2,
            "max_steps": args.steps,
            "learning_rate": 3e-3,
            "lr_scheduler_type": "constant",
            "beta": 0.0,
            "log_level": "warning",
        },
        output_dir=str(args.out / "trained"),
        seed=args.seed,
    )
    run = train(config)
    steps = [entry for entry in run.log_history if "reward" in entry]
    blocks = []
    print(f"{'steps':>9}  {'reward':>6}  {'answer':>6}  {'stop':>6}")
    for start in range(0, len(steps), BLOCK):
        block = steps[start : start + BLOCK]

        def mean(key: str, block: list[dict[str, float]] = block) -> float:
            return sum(entry[key] for entry in block) / len(block)

        blocks.append(mean("reward"))
        answer, stop = mean("rewards/answer/mean"), mean("rewards/stop/mean")
        span = f"{start + 1}-{start + len(block)}"
        print(f"{span:>9}  {blocks[-1]:6.3f}  {answer:6.3f}  {stop:6.3f}")
    print(f"trained model in {run.output_dir}")
    rose = len(blocks) > 1 and blocks[-1] - blocks[0] >= 0.5
    print("the mean reward rose" if rose else "the mean reward did not rise by 0.5")
    return 0 if rose else 1


if __name__ == "__main__":
    sys.exit(main())
