"""Summary metrics over every turn of every run: the numbers the scorecard shows and the gates judge.

Ratios are micro-averaged over the turns that constrain them and are None when no turn does (a gate on a None
metric does not apply). Tool precision counts called tools the turn expected against those it did not expect
(or forbade); recall counts each `tools` entry, and a `tools_any` list as one, that was satisfied.
"""

from __future__ import annotations

from collections import defaultdict
from math import comb
from typing import Any

import numpy as np

from evals.results import CaseResult, TurnRecord


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def pass_hat_curve(cases: list[CaseResult]) -> list[float]:
    """pass^k for k = 1..n (n runs per case), tau-bench's estimator: the mean over cases of C(c, k) / C(n, k), the
    chance that k runs drawn from a case's n (c of them passed) all pass. pass^1 is the pass rate; pass^n is the
    share of cases that passed every run."""
    n = min((len(case.runs) for case in cases), default=0)
    counts = [sum(run.passed for run in case.runs[:n]) for case in cases]
    return [round(sum(comb(c, k) for c in counts) / (comb(n, k) * len(counts)), 4) for k in range(1, n + 1)]


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 1) if values else None


def summarize(cases: list[CaseResult]) -> dict[str, Any]:
    """The flat `summary` object of the results JSON."""
    runs = [run for case in cases for run in case.runs]
    turns: list[TurnRecord] = [t for run in runs for t in run.turns]
    s = [t.score for t in turns]
    precision = ratio(sum(x.tools_tp for x in s), sum(x.tools_tp + x.tools_fp for x in s if x.tools_checked))
    recall = ratio(sum(x.tools_satisfied for x in s), sum(x.tools_required for x in s))
    benign = [x for x in s if x.benign]
    answered = [t for t in turns if t.route != "error"]
    return {
        "cases": len(cases),
        "runs_per_case": max((len(c.runs) for c in cases), default=0),
        "turns": len(turns),
        "case_pass_rate": ratio(sum(run.passed for run in runs), len(runs)),
        "pass_hat_k": ratio(sum(case.passed for case in cases), len(cases)),
        "route_accuracy": ratio(sum(x.route_ok for x in s), sum(x.route_checked for x in s)),
        "tool_precision": precision,
        "tool_recall": recall,
        "tool_f1": f1(precision, recall),
        "argument_accuracy": ratio(sum(x.args_ok for x in s), sum(x.args_checked for x in s)),
        "consent_violations": sum(len(x.consent_violations) for x in s),
        "compliance_leaks": sum(len(x.leaks) for x in s),
        "citation_precision": ratio(sum(x.cites_relevant for x in s if x.cites_checked),
                                    sum(x.cites_shown for x in s if x.cites_checked)),
        "citation_recall": ratio(sum(x.cites_found for x in s), sum(x.cites_expected for x in s)),
        "groundedness": ratio(sum(x.grounded for x in s), sum(x.figures for x in s)),
        "over_blocking_rate": ratio(sum(x.blocked for x in benign), len(benign)),
        "latency_p50_ms": _percentile([t.latency_ms for t in answered], 50),
        "latency_p95_ms": _percentile([t.latency_ms for t in answered], 95),
        "prompt_tokens_per_turn": _mean([t.prompt_tokens for t in answered]),
        "completion_tokens_per_turn": _mean([t.completion_tokens for t in answered]),
        "errors": sum(t.route == "error" for t in turns) + sum(any(f.startswith("error:") for f in run.failures)
                                                                for run in runs),
    }


def by_suite(cases: list[CaseResult]) -> dict[str, dict[str, Any]]:
    """Cases, passes and pass rate per suite (file)."""
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for case in cases:
        groups[case.suite].append(case)
    return {suite: {"cases": len(group), "passed": sum(c.passed for c in group),
                    "pass_rate": ratio(sum(c.passed for c in group), len(group))}
            for suite, group in sorted(groups.items())}
