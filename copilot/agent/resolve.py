"""What a span names among the customer's own things: merchants, categories, accounts, cards, offered options.

rapidfuzz matches names with typos ("hoemstyle" -> HomeStyle); categories are matched by meaning with sentence
embeddings against a description of each ("eating out" -> dining). A span that matches nothing of the customer's
is reported as such, never swapped for the nearest own card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from copilot.agent.state import AccountInfo, Profile
from copilot.nlu import values
from copilot.nlu.values import words

NAME_MATCH = 82          # rapidfuzz score (0-100) for a name said with a typo
CATEGORY_MEANING = 0.62  # cosine similarity to the closest phrase of a category's description
# Words that say what kind of thing a span is, not which one (kept out of name matching).
KIND_WORDS = {"card": "card", "cards": "card", "account": "account", "acct": "account", "debit": "debit",
              "credit": "credit", "checking": "checking", "current": "checking", "chequing": "checking",
              "savings": "savings", "saving": "savings", "wallet": "wallet", "loan": "loan", "loans": "loan",
              "business": "business", "joint": "checking", "everyday": "checking"}
FILLER = {"my", "the", "a", "an", "one", "ending", "in", "with", "on", "our", "that", "this", "number", "no", "of",
          "for", "ends", "last", "digits", "four", "'s", "s"}
CURRENCY_NAMES = {"USD": "dollar", "EUR": "euro", "GBP": "pound", "JPY": "yen"}


@dataclass(frozen=True)
class Match:
    """What a reference resolved to: exactly one thing, several candidates, or nothing of the customer's."""

    found: object | None = None
    candidates: tuple = ()

    @property
    def unique(self) -> bool:
        return self.found is not None

    @property
    def nothing(self) -> bool:
        return self.found is None and not self.candidates


def _merchant_score(spoken: str, name: str, **_) -> float:
    """How well a spoken merchant matches one of the customer's: the whole name, or how it starts ("quickmart" for
    "QUICKMART #22 ...", "uber" for "Uber Trip"), typos allowed."""
    start = fuzz.ratio(spoken, name[:len(spoken)]) if len(spoken) >= 4 else 0.0
    return max(fuzz.WRatio(spoken, name), start)


def merchant(text: str, profile: Profile) -> str | None:
    """The customer's own merchant a span names, typos allowed; None when it is someone else."""
    if not profile.merchants:
        return None
    hit = process.extractOne(text.lower().strip(), profile.merchants, scorer=_merchant_score, processor=str.lower,
                             score_cutoff=NAME_MATCH)
    return hit[0] if hit else None


@lru_cache(maxsize=8)
def _phrases(vocabulary: str) -> tuple[list[str], np.ndarray]:
    """(name of each phrase, phrase vectors) for a described vocabulary of values.yaml: each name and each phrase
    of its description."""
    from copilot.embeddings import get_embedder

    phrases = [(name, phrase.strip()) for name, description in values.vocabulary()[vocabulary].items()
               for phrase in [name.replace("_", " "), *description.split(",")]]
    return [name for name, _ in phrases], get_embedder().encode([phrase for _, phrase in phrases])


def _windows(text: str, sizes: tuple[int, ...] = (3, 4)) -> list[str]:
    """The text and its runs of a few words: a reason said inside a long message ("...charged me twice for...")."""
    spoken = words(text)
    return [" ".join(spoken) or text] + [" ".join(spoken[i:i + n]) for n in sizes if len(spoken) > n
                                         for i in range(len(spoken) - n + 1)]


def closeness(text: str, vocabulary: str, windows: bool = False) -> dict[str, float]:
    """How close `text` (or, with `windows`, any run of a few of its words) is in meaning to each name of a
    described vocabulary (its closest phrase), best first."""
    from copilot.embeddings import get_embedder

    names, vectors = _phrases(vocabulary)
    pieces = _windows(text) if windows else [" ".join(words(text)) or text]
    scores = (vectors @ get_embedder().encode(pieces).T).max(axis=1)
    best: dict[str, float] = {}
    for name, score in zip(names, scores):
        best[name] = max(best.get(name, 0.0), float(score))
    return dict(sorted(best.items(), key=lambda kv: -kv[1]))


def meaning(text: str, vocabulary: str, threshold: float = CATEGORY_MEANING, windows: bool = False,
            margin: float = 0.0) -> str | None:
    """The name of a described vocabulary that `text` means, if one is close enough and clearly the closest."""
    ranked = list(closeness(text, vocabulary, windows).items())
    (name, score), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
    return name if score >= threshold and score - runner_up >= margin else None


def category(text: str, profile: Profile) -> str | None:
    """The spending category a span means ("eating out" -> dining), preferring the customer's own categories when
    two are nearly as close."""
    best = closeness(text, "categories")
    ranked = list(best)
    own = next((name for name in ranked[:3] if name in profile.categories), None)
    choice = own if own and best[own] >= best[ranked[0]] - 0.05 else ranked[0]
    return choice if best[choice] >= CATEGORY_MEANING else None


def _reference(text: str) -> tuple[list[str], set[str], str | None]:
    """(name words, kind words, last four digits) of a reference like "my hoemstyle store crad ending 9351"."""
    tokens = words(text)
    digits = next((w for w in tokens if w.isdigit() and len(w) == 4), None)
    kinds, names = set(), []
    for word in tokens:
        kind = KIND_WORDS.get(word) or next((KIND_WORDS[k] for k in KIND_WORDS if len(word) > 3 and fuzz.ratio(word, k) >= 75), None)
        if kind:
            kinds.add(kind)
        elif word not in FILLER and not word.isdigit() and len(word) > 1:
            names.append(word)
    return names, kinds, digits


def specific(text: str) -> bool:
    """Whether a reference names something in particular ("the voyager one", "my debit card", "ending 4108"), not
    just "that card" or "it"."""
    names, kinds, digits = _reference(text)
    return bool(names or digits or kinds - {"card", "account"})


def _name_score(names: list[str], vocabulary: list[str]) -> float:
    """How well the spoken name words match a candidate's words (0 when any word matches nothing)."""
    if not names:
        return 0.0
    scores = [max((fuzz.ratio(word, candidate) for candidate in vocabulary), default=0) for word in names]
    return min(scores) if min(scores) >= NAME_MATCH else 0.0


def _kind_fits(kinds: set[str], kind: str, name: str, generic: str) -> bool:
    """Whether a thing of this kind fits the kind words said ("debit", "loan"; "card" among accounts)."""
    spoken = kinds - {generic}
    return not spoken or any(k in kind or k in name.lower() for k in spoken)


def card(text: str, profile: Profile, among: str | None = None) -> Match:
    """The card a reference names: by last four, name (typos allowed), then network, then kind ("my debit card");
    among the active (or frozen) ones when several fit."""
    names, kinds, digits = _reference(text)
    if digits:
        return Match(next((c for c in profile.cards if c.last4 == digits), None))
    fitting = [c for c in profile.cards if _kind_fits(kinds, c.kind, c.name, "card")]
    named = fitting
    if names:
        named = [c for c in fitting if _name_score(names, words(c.name))] or \
            [c for c in fitting if _name_score(names, [*words(c.name), c.network.lower()])]
        if not named:
            return Match()
    preferred = [c for c in named if among is None or (c.status == "frozen") == (among == "frozen")] or named
    return Match(preferred[0]) if len(preferred) == 1 else Match(candidates=tuple(preferred))


@lru_cache(maxsize=1)
def _relations() -> dict[str, str]:
    return {variant: name for name, variants in values.vocabulary()["relations"].items() for variant in variants}


def payee_in(text: str, profile: Profile) -> str | None:
    """The one saved payee whose nickname, billed category or whole name the message says in so many words
    ("pay rent", "send mum 50"), when no span named one."""
    spoken = {_relations().get(w, w) for w in words(text)}
    said = [p for p in profile.payees
            if any(part and set(part) <= spoken for part in (words(p.nickname), p.category.split("_"), words(p.name)))]
    return said[0].name if len(said) == 1 else None


def payee(text: str, profile: Profile) -> str | None:
    """The saved payee a reference names ("my mum", "the landlord", "rent", "jake"): every name word must fit the
    payee's name, nickname or the category it bills (typos allowed); None when no single payee fits."""
    spoken = [_relations().get(w, w) for w in words(text) if w not in FILLER and len(w) > 1]
    scored = [(_name_score(spoken, [*words(p.name), *words(p.nickname), *p.category.split("_")]), p)
              for p in profile.payees]
    top = max((score for score, _ in scored), default=0)
    leaders = [p for score, p in scored if score == top and score]
    if not leaders and spoken:                        # "the electric bill": the biller of what it means
        meant = category(text, profile)
        leaders = [p for p in profile.payees if meant and p.category == meant]
    return leaders[0].name if len(leaders) == 1 else None


def _account_words(account: AccountInfo, profile: Profile) -> list[str]:
    """An account's own words, its currency, its kind and the network of its card ("my mastercard")."""
    networks = [c.network.lower() for c in profile.cards if c.name == account.name]
    return words(account.name) + [CURRENCY_NAMES.get(account.currency, ""), account.currency.lower(),
                                  *account.kind.split("_"), *networks]


def account(text: str, profile: Profile) -> Match:
    """The account, card account, loan or wallet a reference names (by name, kind, currency or last four)."""
    names, kinds, digits = _reference(text)
    if digits:
        owned = [a for a in profile.accounts if a.last4 == digits]
        card_hit = next((c for c in profile.cards if c.last4 == digits), None)
        owned = owned or [a for a in profile.accounts if card_hit and a.name == card_hit.name]
        return Match(owned[0] if owned else None)
    currency = values.currency(text)
    scored = [(_name_score(names, _account_words(a, profile)), a) for a in profile.accounts
              if _kind_fits(kinds, a.kind, a.name, "account") and (currency is None or a.currency == currency or not names)]
    named = [a for score, a in scored if score]
    if names and not named:
        return Match()
    pool = named or [a for _, a in scored]
    if len(pool) == 1:
        return Match(pool[0])
    top = max((score for score, _ in scored), default=0)
    leaders = [a for score, a in scored if score == top and score]
    return Match(leaders[0]) if len(leaders) == 1 else Match(candidates=tuple(pool))


def option(reading, options: list[dict], today: date) -> dict | None:
    """The offered option a reply picks: by position ("the second one"), merchant, amount, date or name."""
    if not options:
        return None
    picked = list(options)
    for span in reading.spans:
        if span.label == "ordinal" and (position := values.ordinal(span.text)) is not None:
            index = position - 1 if position > 0 else len(options) + position
            picked = [options[index]] if 0 <= index < len(options) else []
        elif span.label in ("merchant", "account", "person"):
            spoken, _, digits = _reference(span.text)
            named = [o for o in picked if (digits and digits in str(o.get("label", ""))) or
                     _name_score(spoken, words(str(o.get("merchant") or o.get("name") or "")))]
            if not named:
                return None      # names something not offered ("sweetgreen", "the credit card" after the charges)
            picked = named or picked
        elif span.label in ("amount", "min_amount", "max_amount"):
            try:
                wanted = values.money(span.text).value
            except values.ValueProblem:
                continue
            picked = [o for o in picked if abs(abs(float(o.get("amount", 0))) - wanted) < 0.01] or picked
        elif span.label in ("date", "period"):
            try:
                wanted = values.day(span.text, today).isoformat()
            except values.ValueProblem:
                continue
            picked = [o for o in picked if str(o.get("date", ""))[:10] == wanted] or picked
    if picked == options and not reading.spans:       # no value read: an offered merchant named in the words
        spoken = set(words(reading.text))
        picked = [o for o in options if o.get("merchant") and set(words(str(o["merchant"]))) <= spoken]
    return picked[0] if len(picked) == 1 else None
