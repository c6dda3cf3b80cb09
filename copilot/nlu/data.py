"""Training data for the understanding model: our example sets (inline span markup) and the mapped public datasets.

An example is a message with its act, actions, topics and character spans. `[text](label)` marks a span; nothing
else in a line is markup. Banking77 and CLINC150 rows carry no spans (`spans=None`: their token loss is masked).
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from copilot.prompts import PROMPTS

NLU_DATA = PROMPTS / "nlu"
EXAMPLES = NLU_DATA / "examples"


@dataclass(frozen=True)
class Labels:
    """The inventory of outputs (prompts/nlu/labels.yaml)."""

    acts: tuple[str, ...]
    actions: tuple[str, ...]
    topics: tuple[str, ...]
    spans: tuple[str, ...]

    @property
    def tags(self) -> tuple[str, ...]:
        """BIO tags over words: O, then B-/I- for each span label."""
        return ("O", *(f"{prefix}-{label}" for label in self.spans for prefix in ("B", "I")))


@lru_cache(maxsize=1)
def labels() -> Labels:
    data = yaml.safe_load((NLU_DATA / "labels.yaml").read_text(encoding="utf-8"))
    return Labels(*(tuple(data[key]) for key in ("acts", "actions", "topics", "spans")))


@dataclass(frozen=True)
class Example:
    text: str
    act: str
    actions: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    spans: tuple[tuple[int, int, str], ...] | None = ()       # (start, end, label); None = not annotated
    source: str = ""


class MarkupError(ValueError):
    """An example line whose span markup or labels are wrong."""


def parse_markup(line: str) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """'spent [50](amount) at [Aldi](merchant)' -> ('spent 50 at Aldi', ((6, 8, 'amount'), (12, 16, 'merchant')))."""
    text, spans, i = [], [], 0
    while i < len(line):
        close = line.find("](", i) if line[i] == "[" else -1
        end = line.find(")", close) if close > 0 else -1
        if close > 0 and end > 0 and "[" not in line[i + 1:close]:
            start = sum(len(part) for part in text)
            value = line[i + 1:close]
            text.append(value)
            spans.append((start, start + len(value), line[close + 2:end]))
            i = end + 1
        else:
            text.append(line[i])
            i += 1
    return "".join(text), tuple(spans)


def _checked(example: Example, where: str) -> Example:
    inventory = labels()
    wrong = ([f"act {example.act}"] if example.act not in inventory.acts else []) + \
        [f"action {a}" for a in example.actions if a not in inventory.actions] + \
        [f"topic {t}" for t in example.topics if t not in inventory.topics] + \
        [f"span {s[2]}" for s in example.spans or () if s[2] not in inventory.spans]
    if wrong or "](" in example.text:
        raise MarkupError(f"{where}: {example.text!r}: {', '.join(wrong) or 'unbalanced span markup'}")
    return example


def load_set(path: Path) -> list[Example]:
    """One example set: `defaults` (act, actions, topics) and `examples` (lines, or dicts that override)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults = data["defaults"]
    found = []
    for item in data["examples"]:
        item = item if isinstance(item, dict) else {"text": item}
        text, spans = parse_markup(str(item["text"]))
        found.append(_checked(Example(text=text, act=item.get("act", defaults["act"]),
                                      actions=tuple(item.get("actions", defaults.get("actions") or ())),
                                      topics=tuple(item.get("topics", defaults.get("topics") or ())),
                                      spans=spans, source=path.stem), path.name))
    return found


def example_sets() -> dict[str, Path]:
    return {path.stem: path for path in sorted(EXAMPLES.glob("*.yaml"))}


@lru_cache(maxsize=1)
def our_examples() -> tuple[Example, ...]:
    return tuple(example for path in example_sets().values() for example in load_set(path))


def example_texts() -> list[str]:
    """Every customer message we wrote (the compliance guard's benign anchors use these)."""
    return [example.text for example in our_examples()]


# --- public datasets -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mapping:
    act: str
    actions: tuple[str, ...]
    topics: tuple[str, ...]


def _mapping(value: str) -> Mapping | None:
    if value == "skip":
        return None
    act, actions, topics = (part.split() for part in value.split("|"))
    return Mapping(act[0], tuple(actions), tuple(topics))


@dataclass
class Datasets:
    """Banking77 and CLINC150 rows mapped to our labels (prompts/nlu/datasets.yaml)."""

    root: Path
    banking77: dict[str, Mapping | None] = field(default_factory=dict)
    clinc150: dict[str, Mapping | None] = field(default_factory=dict)
    default: Mapping | None = None
    other_per_intent: int = 25

    @classmethod
    def load(cls) -> Datasets:
        spec = yaml.safe_load((NLU_DATA / "datasets.yaml").read_text(encoding="utf-8"))
        root = Path(os.environ.get("COPILOT_DATASETS_DIR") or (NLU_DATA / spec["root"]).resolve())
        return cls(root=root, banking77={k: _mapping(v) for k, v in spec["banking77"].items()},
                   clinc150={k: _mapping(v) for k, v in spec["clinc150"].items()}, default=_mapping(spec["default"]),
                   other_per_intent=spec["other_per_intent"])

    def available(self) -> bool:
        return (self.root / "banking77" / "train.csv").exists() and (self.root / "clinc150" / "data_full.json").exists()

    def _row(self, text: str, mapping: Mapping | None, source: str) -> Example | None:
        if mapping is None:
            return None
        return _checked(Example(text=text, act=mapping.act, actions=mapping.actions, topics=mapping.topics,
                                spans=None, source=source), source)

    def banking(self, split: str) -> list[tuple[Example, str]]:
        """(example, original intent) for a Banking77 split."""
        with open(self.root / "banking77" / f"{split}.csv", encoding="utf-8") as handle:
            rows = [(row["text"], row["category"]) for row in csv.DictReader(handle)]
        return [(ex, intent) for text, intent in rows
                if (ex := self._row(text, self.banking77[intent], f"banking77:{intent}"))]

    def clinc(self, splits: tuple[str, ...]) -> list[tuple[Example, str]]:
        """(example, original intent) for CLINC150 splits; intents mapped to `other` keep `other_per_intent` each."""
        data = json.loads((self.root / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
        kept, seen = [], {}
        for split in splits:
            for text, intent in data[split]:
                mapping = self.clinc150.get(intent, self.default)
                if mapping and mapping.topics == ("other",) and not split.endswith("test"):
                    seen[intent] = seen.get(intent, 0) + 1
                    if seen[intent] > self.other_per_intent:
                        continue
                if ex := self._row(text, mapping, f"clinc150:{intent}"):
                    kept.append((ex, intent))
        return kept
