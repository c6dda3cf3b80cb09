"""The markdown report of a run: headline metrics against the gates, suites, failure patterns, failing cases."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from evals.results import RunResult

TURN = re.compile(r"^turn \d+: ")
PATTERNS = (                                   # failure text -> the pattern it is counted under
    (re.compile(r"^(route: expected .+?, got \w+)"), r"\1"),
    (re.compile(r"^(tools: \w+ not called|tools_any: none of .+ called|no_tools: \w+ was called)"), r"\1"),
    (re.compile(r"^args: (\w+\.\w+) expected"), r"args: wrong \1"),
    (re.compile(r"^cites: (.+?) not cited"), r"cites: \1 not cited"),
    (re.compile(r"^(contains|not_contains): "), r"\1: wording"),
    (re.compile(r"^final_state: expected .*? (\w+) row"), r"final_state: \1"),
    (re.compile(r"^(error: (?:set-up failed: )?\w+)"), r"\1"),
    (re.compile(r"^(consent|leak|untrusted): "), r"\1"),
)
EXAMPLES = 4


def pattern_of(failure: str) -> str:
    text = TURN.sub("", failure)
    for regex, template in PATTERNS:
        match = regex.search(text)
        if match:
            return match.expand(template)
    return text[:60]


def failure_patterns(run: RunResult) -> list[tuple[str, int, list[str]]]:
    """(pattern, number of case runs showing it, example case ids), most common first."""
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for case in run.cases:
        for one in case.runs:
            for pattern in dict.fromkeys(pattern_of(f) for f in one.all_failures):
                counts[pattern] += 1
                if case.id not in examples[pattern]:
                    examples[pattern].append(case.id)
    return [(p, n, examples[p][:EXAMPLES]) for p, n in counts.most_common()]


def _cell(value) -> str:
    return "n/a" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _escape(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(run: RunResult) -> str:
    meta, summary = run.meta, run.summary
    lines = [f"# Evaluation report: {meta['provider']}, {meta['started_at']}", "",
             f"{summary['cases']} cases x {meta['repeat']} run(s), {summary['turns']} turns, {meta['duration_s']} s. "
             f"Gates {'PASSED' if run.gates_passed else 'FAILED'} (gates file v{meta['gates_version']}).", "",
             *([f"pass^k for k = 1..{meta['repeat']}: {', '.join(map(_cell, meta['pass_hat_curve']))}", ""]
               if meta["repeat"] > 1 else []),
             "## Gates", "", "| metric | value | gate | result | guards |", "|---|---|---|---|---|"]
    for g in run.gates:
        verdict = "n/a" if not g["applies"] else "pass" if g["passed"] else "**FAIL**"
        bound = f"{'>=' if g['op'] == 'min' else '<='} {g['threshold']:g}"
        lines.append(f"| {g['metric']} | {_cell(g['value'])} | {bound} | {verdict} | {_escape(g['guards'], 120)} |")
    gated = {g["metric"] for g in run.gates}
    lines += ["", "## Other metrics", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {_cell(v)} |" for k, v in summary.items() if k not in gated]
    lines += ["", "## Suites", "", "| suite | cases | passed | pass rate |", "|---|---|---|---|"]
    lines += [f"| {name} | {s['cases']} | {s['passed']} | {_cell(s['pass_rate'])} |"
              for name, s in meta["suites"].items()]
    patterns = failure_patterns(run)
    if patterns:
        lines += ["", "## Failure patterns", "", "| pattern | case runs | examples |", "|---|---|---|"]
        lines += [f"| {_escape(p)} | {n} | {', '.join(ids)} |" for p, n, ids in patterns]
    failing = [c for c in run.cases if not c.passed]
    if failing:
        lines += ["", "## Failing cases", ""]
        for case in failing:
            shown = case.shown
            lines += [f"### {case.id} ({case.suite})", "", "| # | user | route | answer | failures |",
                      "|---|---|---|---|---|"]
            for n, turn in enumerate(shown.turns, 1):
                lines.append(f"| {n} | {_escape(turn.user, 100)} | {turn.route} | {_escape(turn.answer)} | "
                             f"{_escape('; '.join(turn.failures), 300) or 'ok'} |")
            lines += [f"- {f}" for f in shown.failures] + [""]
    return "\n".join(lines).rstrip() + "\n"


def write(run: RunResult, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(run), encoding="utf-8")
