"""Find and load scenario case files; every problem is reported, naming file, case and field, before anything runs.

A path may be a YAML file or a folder of them; a suite is a file stem under evals/cases (`--suite fraud`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from evals import state
from evals.schema import Case

CASES_DIR = Path(__file__).resolve().parent / "cases"
TYPE_TAG = re.compile(r"[\[\]'(]|^(str|int|float|bool|dict|list)$")


class CaseFileError(ValueError):
    """One or more case files are malformed; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the case files:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class LoadedCase:
    """A validated case and where it came from."""

    case: Case
    suite: str
    source: Path


def suite_names(cases_dir: Path = CASES_DIR) -> list[str]:
    return sorted(p.stem for p in cases_dir.glob("*.yaml"))


def discover(paths: list[Path] | None = None, suites: list[str] | None = None,
             cases_dir: Path = CASES_DIR) -> list[Path]:
    """The case files to run: the given files/folders and suites, or every suite when neither is given."""
    files: list[Path] = []
    for suite in suites or []:
        path = cases_dir / f"{suite}.yaml"
        if not path.is_file():
            raise CaseFileError([f"no suite {suite!r} in {cases_dir}; suites: {', '.join(suite_names(cases_dir))}"])
        files.append(path)
    for path in paths or []:
        path = Path(path)
        if path.is_dir():
            files += sorted([*path.rglob("*.yaml"), *path.rglob("*.yml")])
        elif path.is_file():
            files.append(path)
        else:
            raise CaseFileError([f"{path}: no such case file or folder"])
    if not files and not paths and not suites:
        files = sorted(cases_dir.glob("*.yaml"))
    unique = list(dict.fromkeys(p.resolve() for p in files))
    if not unique:
        raise CaseFileError([f"no case files found in {', '.join(map(str, paths or [cases_dir]))}"])
    return unique


def _where(loc: tuple) -> str:
    """A pydantic error location as people read it: `turn 2 expect.route`, `final_state.cards[0]`."""
    parts = [p for p in loc if not (isinstance(p, str) and TYPE_TAG.search(p))]
    out = ""
    for i, part in enumerate(parts):
        if isinstance(part, int):
            out += f" turn {part + 1} " if i and parts[i - 1] == "turns" else f"[{part}]"
        elif not (part == "turns" and i + 1 < len(parts) and isinstance(parts[i + 1], int)):
            out += part if not out or out.endswith(" ") else f".{part}"
    return out.strip() or "(case)"


def _validation_problems(exc: ValidationError) -> list[str]:
    merged: dict[str, list[str]] = {}
    for error in exc.errors():
        merged.setdefault(_where(error["loc"]), []).append(error["msg"].removeprefix("Value error, "))
    return [f"{where}: {' or '.join(dict.fromkeys(msgs))}" for where, msgs in merged.items()]


@lru_cache(maxsize=1)
def _known_docs() -> frozenset[str]:
    from knowledge.corpus import load_corpus

    return frozenset(doc.id for doc in load_corpus())


def _name_problems(case: Case) -> list[str]:
    """Names the schema cannot know: customers, tools and argument keys, KB documents, tables."""
    from copilot.demo.seed import DEMO_IDS
    from tools import REGISTRY

    problems = [] if case.customer in DEMO_IDS else [f"customer: unknown customer {case.customer!r}; "
                                                     f"demo customers: {', '.join(DEMO_IDS)}"]
    documents = _known_docs() | {passage.doc_id for passage in case.setup.knowledge}
    for n, turn in enumerate(case.turns, 1):
        expect = turn.expect
        for name in dict.fromkeys(expect.tool_names()):
            if name not in REGISTRY:
                problems.append(f"turn {n} expect: unknown tool {name!r}; tools: {', '.join(REGISTRY)}")
        for name, constraints in expect.args.items():
            fields = REGISTRY[name].args_model.model_fields if name in REGISTRY else {}
            for key in constraints:
                if fields and key not in fields:
                    problems.append(f"turn {n} expect.args.{name}: {key!r} is not an argument of {name} "
                                    f"({', '.join(fields)})")
        for cite in (c for item in expect.cite_options for c in item):
            if cite.split("#")[0] not in documents:
                problems.append(f"turn {n} expect.cites: no knowledge-base document {cite.split('#')[0]!r}")
    return problems + state.validate(case.final_state)


def _load_file(path: Path, seen: dict[str, Path], problems: list[str]) -> list[LoadedCase]:
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        problems.append(f"{path}: not valid YAML: {exc}".replace("\n", " "))
        return []
    if not isinstance(entries, list):
        problems.append(f"{path}: the file must be a YAML list of cases, got {type(entries).__name__}")
        return []
    loaded = []
    for index, entry in enumerate(entries):
        label = f"case {entry.get('id')!r}" if isinstance(entry, dict) and entry.get("id") else f"case #{index + 1}"
        if not isinstance(entry, dict):
            problems.append(f"{path}: {label}: a case must be a mapping, got {type(entry).__name__}")
            continue
        case_id = entry.get("id")
        if isinstance(case_id, str) and case_id in seen:
            problems.append(f"{path}: {label}: id is also used in {seen[case_id]}")
        elif isinstance(case_id, str):
            seen[case_id] = path
        try:
            case = Case.model_validate(entry)
        except ValidationError as exc:
            problems += [f"{path}: {label}: {p}" for p in _validation_problems(exc)]
            continue
        problems += [f"{path}: {label}: {p}" for p in _name_problems(case)]
        loaded.append(LoadedCase(case, path.stem, path))
    return loaded


def load_cases(files: list[Path]) -> list[LoadedCase]:
    """Every case of every file, validated; raises CaseFileError listing all problems found."""
    problems: list[str] = []
    seen: dict[str, Path] = {}
    loaded = [case for path in files for case in _load_file(Path(path), seen, problems)]
    if problems:
        raise CaseFileError(problems)
    return loaded
