"""`copilot nlu train` end to end on a slice of the data: the same data gives the same model, served without torch."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from copilot.nlu.model import Understanding
from copilot.nlu.train import Recipe, train

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nlu-train")]
SMOKE = replace(Recipe(), epochs=1, limit=48)
PROBES = ["freeze my visa", "how much did i spend on dining last month", "yes go ahead", "the second one"]


def test_the_same_data_trains_the_same_model(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    metrics = train(first, SMOKE, log=lambda _: None)
    train(second, SMOKE, log=lambda _: None)
    assert metrics["examples"] == 48 and set(metrics["dev"]) >= {"act_accuracy", "capability_accuracy"}
    a, b = Understanding(first), Understanding(second)
    for x, y in zip(a.read_many(PROBES), b.read_many(PROBES)):
        assert x.act == y.act and np.allclose(list(x.topics.values()), list(y.topics.values()), atol=1e-6)


def test_the_served_model_never_imports_torch():
    probe = ("import sys\nfrom copilot.nlu.model import get_understanding\nget_understanding().read('freeze my visa')\n"
             "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"], "reading a message loaded torch or transformers"
