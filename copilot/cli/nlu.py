"""`copilot nlu`: rebuild the understanding model from its data, read a message with it, measure it on a dataset."""

from __future__ import annotations

import json

import typer

from copilot.cli.common import console, fail, friendly

nlu_app = typer.Typer(help="The understanding model: train, read, evaluate.", no_args_is_help=True)


@nlu_app.command("train")
@friendly
def train_command(epochs: int = typer.Option(None, help="Passes over the data (default: the recipe's)."),
                  limit: int = typer.Option(None, help="Train on the first N examples only (a smoke test)."),
                  out: str = typer.Option(None, help="Write the model here instead of the shipped location.")) -> None:
    """Fine-tune the model from prompts/nlu (and the Banking77 / CLINC150 train splits); print its metrics."""
    from dataclasses import replace
    from pathlib import Path

    try:
        from copilot.nlu.train import Recipe, train
    except ImportError as exc:
        fail(f"training needs torch and transformers ({exc.name} is missing): run `make install`")
    recipe = Recipe()
    recipe = replace(recipe, epochs=epochs or recipe.epochs, limit=limit)
    kwargs = {"out_dir": Path(out)} if out else {}
    metrics = train(recipe=recipe, log=lambda line: console.print(line, highlight=False), **kwargs)
    console.print_json(json.dumps(metrics))


@nlu_app.command("read")
@friendly
def read_command(text: str = typer.Argument(..., help="A customer message.")) -> None:
    """What the model reads off one message, and the capability it points to."""
    from copilot.agent.capabilities import capability_table
    from copilot.nlu.model import get_understanding

    reading = get_understanding().read(text)
    ranked = capability_table().scored(reading.actions, reading.topics)[:3]
    console.print_json(json.dumps({**reading.to_dict(),
                                   "capabilities": [{"name": c.name, "score": round(s, 3)} for s, c, _ in ranked]}))


@nlu_app.command("eval")
@friendly
def eval_command(dataset: str = typer.Option("banking77", help="banking77 | clinc150"),
                 split: str = typer.Option("test", help="A split of the dataset (test splits: measure once per change).")
                 ) -> None:
    """Capability-level accuracy on a public dataset split (each intent mapped by prompts/nlu/datasets.yaml)."""
    from copilot.nlu.data import Datasets
    from copilot.nlu.metrics import evaluate

    datasets = Datasets.load()
    if not datasets.available():
        fail(f"the datasets are not at {datasets.root}: set COPILOT_DATASETS_DIR")
    rows = datasets.banking(split) if dataset == "banking77" else \
        datasets.clinc((split, f"oos_{split}") if split in ("val", "test") else (split,))
    console.print_json(json.dumps({"dataset": dataset, "split": split, **evaluate([e for e, _ in rows])}))
