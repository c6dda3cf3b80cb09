"""The compliance policy as configuration: rules, thresholds and data lists read from prompts/compliance (YAML)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from copilot.compliance.types import RuleHit
from copilot.config import PROJECT_ROOT

POLICY_DIR = PROJECT_ROOT / "prompts" / "compliance"
ACTIONS = {"allow", "rewrite", "block", "escalate"}
SEVERITIES = ("info", "low", "medium", "high", "critical")


class PolicyError(ValueError):
    """The policy file is malformed; the message names the rule and the field to fix."""


@dataclass(frozen=True)
class Rule:
    rule_id: str
    description: str
    severity: str
    action: str
    message: str


@dataclass(eq=False)
class Policy:
    """A loaded policy: rules by id, numeric thresholds, and the data files beside it (patterns, phrases, exemplars)."""

    version: str
    rules: dict[str, Rule]
    thresholds: dict[str, Any]
    default_message: str
    directory: Path
    public_identifiers: frozenset[str] = frozenset()     # the bank's own published numbers, never masked
    _data: dict[str, Any] = field(default_factory=dict, repr=False)

    def hit(self, rule_id: str, detail: str = "") -> RuleHit:
        rule = self.rules.get(rule_id)
        if rule is None:
            raise PolicyError(f"rule {rule_id!r} is used by the code but missing from {self.directory / 'policy.yaml'}")
        return RuleHit(rule.rule_id, rule.action, rule.severity, detail[:200])

    def message_for(self, hits: list[RuleHit]) -> str:
        """The customer-facing message of the most severe hit that stops the turn."""
        stopping = [h for h in hits if h.action in ("block", "escalate")]
        if not stopping:
            return ""
        worst = max(stopping, key=lambda h: (h.action == "escalate", SEVERITIES.index(h.severity)))
        return self.rules[worst.rule_id].message.strip() or self.default_message

    def threshold(self, name: str) -> Any:
        if name not in self.thresholds:
            raise PolicyError(f"threshold {name!r} missing from {self.directory / 'policy.yaml'}")
        return self.thresholds[name]

    def data(self, name: str) -> Any:
        """A YAML data file beside the policy (else the shipped one): patterns, phrases, exemplars; read once."""
        if name not in self._data:
            path = self.directory / f"{name}.yaml"
            if not path.exists():                        # a trial policy may change only policy.yaml
                path = POLICY_DIR / f"{name}.yaml"
            if not path.exists():
                raise PolicyError(f"policy data file {name}.yaml is missing from {self.directory}")
            self._data[name] = yaml.safe_load(path.read_text(encoding="utf-8"))
        return self._data[name]

    def regexes(self, name: str, key: str) -> list[re.Pattern[str]]:
        """The list `key` of data file `name`, compiled to case-insensitive regexes (a string is a one-item list)."""
        value = self.data(name)[key]
        return self.regexes_for([value] if isinstance(value, str) else value)

    @staticmethod
    def regexes_for(patterns: list[str]) -> list[re.Pattern[str]]:
        return _compile(tuple(patterns))

    @cached_property
    def fingerprint(self) -> str:
        """Content hash of the policy folder: caches keyed on it refresh when Compliance edits a file."""
        import hashlib
        h = hashlib.sha256()
        for path in sorted(self.directory.glob("*.yaml")):
            h.update(path.name.encode() + path.read_bytes())
        return h.hexdigest()[:16]


@lru_cache(maxsize=64)
def _compile(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]


def _rule(rule_id: str, raw: dict[str, Any]) -> Rule:
    action = raw.get("action")
    if action not in ACTIONS:
        raise PolicyError(f"rule {rule_id}: action {action!r} must be one of {sorted(ACTIONS)}")
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        raise PolicyError(f"rule {rule_id}: severity {severity!r} must be one of {list(SEVERITIES)}")
    return Rule(rule_id, str(raw.get("description", "")), severity, action, str(raw.get("message") or ""))


def load_policy(path: Path | str | None = None) -> Policy:
    """Read policy.yaml (a file, or a folder holding it); data files are looked up beside it."""
    path = Path(path) if path else POLICY_DIR
    file = path / "policy.yaml" if path.is_dir() else path
    if not file.exists():
        raise PolicyError(f"no compliance policy at {file}")
    raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    rules = {rule_id: _rule(rule_id, body or {}) for rule_id, body in (raw.get("rules") or {}).items()}
    return Policy(version=str(raw.get("version", "unversioned")), rules=rules,
                  thresholds=dict(raw.get("thresholds") or {}),
                  default_message=str(raw.get("default_block_message", "")).strip(), directory=file.parent,
                  public_identifiers=frozenset(str(v) for v in raw.get("public_identifiers") or ()))


@lru_cache(maxsize=1)
def get_policy() -> Policy:
    """The shipped policy, loaded once per process."""
    return load_policy()
