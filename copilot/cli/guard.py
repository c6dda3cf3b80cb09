"""`copilot guard`: the batch checker (JSONL in, JSONL out, DESIGN.md §4.4) and `--score` for the red-team figures."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from copilot.cli.common import friendly

BATCH = 256


def _records(stream) -> Iterator[tuple[int, Any, str | None, dict | None, str | None]]:
    """(line number, id, text, evidence, error) per non-blank line; bytes that are not UTF-8 survive as surrogates."""
    for number, raw in enumerate(stream, start=1):
        line = raw.decode("utf-8", errors="surrogateescape").strip()
        if not line:
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, None, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            record_id = item.get("id") if isinstance(item, dict) else None
            yield number, record_id, None, None, 'each line must be an object with a string "text"'
            continue
        evidence = item.get("evidence")
        yield number, item.get("id"), item["text"], evidence if isinstance(evidence, dict) else None, None


def _judge(batch: list[tuple], direction: str, policy) -> list[dict]:
    from copilot.compliance import Evidence, PiiVault, filter_output, guard_inputs

    texts = [text for _, _, text, _, error in batch if error is None]
    if direction == "input":
        decisions = iter(guard_inputs(texts, policy=policy, vaults=[PiiVault() for _ in texts]))
    else:
        decisions = iter(filter_output(text, Evidence.from_dict(ev) if ev is not None else None, policy=policy)
                         for _, _, text, ev, error in batch if error is None)
    out = []
    for number, record_id, _, _, error in batch:
        if error:
            out.append({"id": record_id, "line": number, "error": error})
            continue
        try:
            out.append(next(decisions).to_json(record_id))
        except (ValueError, TypeError) as exc:               # e.g. malformed evidence on one line
            out.append({"id": record_id, "line": number, "error": str(exc)})
    return out


def _write(lines: list[dict]) -> None:
    for line in lines:
        sys.stdout.write(json.dumps(line, ensure_ascii=False).encode("utf-8", "surrogateescape")
                         .decode("utf-8", "replace") + "\n")
    sys.stdout.flush()


@friendly
def guard(direction: str = typer.Option("input", help="input: injection/jailbreak guards + PII tokenization; "
                                                      "output: answer filters (PII masking, claims, advice...)."),
          policy: Path = typer.Option(None, help="Try a changed policy.yaml (or a folder of policy files)."),
          score: bool = typer.Option(False, "--score", help="Score the red-team, benign and PII sets in evals/guard."),
          as_json: bool = typer.Option(False, "--json", help="With --score: print the figures as JSON.")) -> None:
    """Check JSONL {"id","text"} on stdin; print {"id","verdict","rules","text","entities"} per line."""
    from copilot.compliance import load_policy

    if direction not in ("input", "output"):
        raise ValueError(f"--direction {direction!r}: use input or output")
    loaded = load_policy(policy) if policy else None
    if score:
        from evals.guard.score import print_report, score_all
        print_report(score_all(policy=loaded), as_json=as_json)
        return
    batch: list[tuple] = []
    for record in _records(sys.stdin.buffer):
        batch.append(record)
        if len(batch) >= BATCH:
            _write(_judge(batch, direction, loaded))
            batch = []
    if batch:
        _write(_judge(batch, direction, loaded))
