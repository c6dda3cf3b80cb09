"""Guard + filter overhead per turn, against the same texts through a plain Presidio analyzer (reference ratio).

A turn's compliance work is `guard_input(message)` (with a PII vault) plus `filter_output(answer, evidence)`. The
message's embedding is computed once per turn and shared with the planner, so it is warmed before timing, as in
tests/compliance/test_figures.py. The reference is Presidio's AnalyzerEngine with its predefined recognizers on a
blank spaCy pipeline (no NER model), run on the same message and answer. Ours and the reference are timed
alternately, message by message, so machine noise hits both alike.
"""

from __future__ import annotations

from functools import lru_cache

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

from copilot.bench.stats import ratio, summary, timed_ms
from copilot.compliance import PiiVault, filter_output, guard_input
from copilot.compliance.pii import BlankSpacyNlpEngine, OfflineEmailRecognizer
from copilot.offline import go_offline
from evals.guard.score import SAMPLE_ANSWER, SAMPLE_EVIDENCE, load


@lru_cache(maxsize=1)
def plain_presidio() -> AnalyzerEngine:
    """Presidio's predefined English recognizers on a blank spaCy pipeline; email checks use tldextract's bundled
    suffix list (the stock recognizer would try to download one)."""
    go_offline()
    engine = BlankSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"])
    registry.remove_recognizer("SpacyRecognizer")              # NER needs a trained model; blank has none
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer())
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def overhead(messages: int) -> dict:
    """Per-turn ms of guard+filter and of the Presidio reference over the first `messages` benign messages."""
    texts = [item["text"] for item in load("benign.jsonl")][:messages]
    presidio = plain_presidio()
    for text in texts[:5] + [SAMPLE_ANSWER]:                    # load models, patterns and caches
        presidio.analyze(text, language="en")
    for text in texts:
        guard_input(text)
    ours, guard_only, filter_only, reference = [], [], [], []
    for text in texts:
        guard_ms, _ = timed_ms(lambda: guard_input(text, vault=PiiVault()))
        filter_ms, _ = timed_ms(lambda: filter_output(SAMPLE_ANSWER, SAMPLE_EVIDENCE))
        presidio_ms, _ = timed_ms(lambda: (presidio.analyze(text, language="en"),
                                           presidio.analyze(SAMPLE_ANSWER, language="en")))
        guard_only.append(guard_ms)
        filter_only.append(filter_ms)
        ours.append(guard_ms + filter_ms)
        reference.append(presidio_ms)
    per_turn, plain = summary(ours), summary(reference)
    return {"guard_plus_filter": per_turn, "guard": summary(guard_only), "filter": summary(filter_only),
            "plain_presidio": plain, "ratio_median": ratio(per_turn["median"], plain["median"]),
            "ratio_p95": ratio(per_turn["p95"], plain["p95"])}
