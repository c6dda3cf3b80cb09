"""The HTTP benchmark, small: concurrent conversations over SSE on the real server finish with no errors (figures
are printed, not asserted; the full run is `python -m tests.api.bench_http`)."""

from __future__ import annotations

import json

import pytest

from tests.api.bench_http import run

pytestmark = pytest.mark.slow


def test_concurrent_conversations_over_http_have_no_errors(tmp_path, kb_chroma, capsys):
    figures = run(conversations=8, turns=2, workers=1, chroma=kb_chroma, folder=tmp_path)
    with capsys.disabled():
        print("\nHTTP chat benchmark (small):", json.dumps(figures))
    assert figures["errors"] == 0, figures["first_errors"]
    assert figures["turns"] == 16 and figures["server_rss_mb"]["peak"] > 0
