"""Precision rules layered on the classifier: explicit commands, distress signals, follow-ups and corrections.

Rules only fire on unambiguous wording; everything else is the classifier's call.
"""

from __future__ import annotations

import re

# (pattern, intent): explicit wording that settles the intent whatever the classifier says.
COMMANDS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\b(un ?freeze|unfreeze|un-freeze|unlock|unblock|reactivate|re-activate|turn (my )?card back on|"
                r"(remove|lift|take off) (the )?(block|freeze|lock))\b", re.I), "unfreeze_card"),
    (re.compile(r"(?<!don't )(?<!dont )(?<!do not )(?<!never )\b(freeze|lock|block|cancel|stop|deactivate)\b.{0,25}\bcards?\b|\bcards?\b.{0,30}\b(lost|stolen|missing|"
                r"nicked|swiped|taken)\b|\b(lost|stole[n]?|misplaced|can'?t find)\b.{0,20}\b(my )?(card|wallet|purse|visa|"
                r"mastercard|amex|debit)\b|(?<!don't )(?<!dont )(?<!not )\b(freeze|lock|block) (it|them|that|this one)\b", re.I),
     "freeze_card"),
    (re.compile(r"\b(dispute|chargeback|charge back|contest)\b", re.I), "dispute"),
    (re.compile(r"\b(speak|talk|chat)\s+(to|with)\s+(a |an |some)?(real |actual |live )?(human|person|agent|someone|"
                r"representative|rep|advisor|adviser|banker|manager)\b|^\s*(an? )?(human|real person|live agent|agent|"
                r"representative|operator)\s*(please|pls|now)?\s*[.!?]*\s*$|\bcall me( back)?\b", re.I), "handoff"),
    (re.compile(r"\b(i want to|i'd like to|i wish to|how do i|how can i) (make a |file a |raise a |lodge a )?complain", re.I),
     "complaint"),
]

# Signals that a human should take over now (vulnerability, distress, safety).
DISTRESS = re.compile(
    r"\b(suicid\w*|kill myself|end it all|end my life|self[- ]harm|can'?t go on|want to die|"
    r"no way out|can'?t cope|breaking down|desperate|domestic (abuse|violence)|being (abused|threatened|coerced)|"
    r"forced me to|scammed|someone is making me|bereave\w*|(husband|wife|partner|mum|mom|dad|father|mother) (just )?"
    r"(died|passed away)|dementia|terminal(ly)? ill|gambling problem)\b", re.I)

FOLLOW_UP = re.compile(r"^\s*(and|what about|how about|ok(ay)? and|also|same for|now|but)\b|^\s*(for|in|on|at)\s+\S+\??\s*$",
                       re.I)
CORRECTION = re.compile(r"^\s*(no,?|nope,?|sorry,?|actually,?|i meant|i mean|not that,?|wait,?)\s*(i meant|i mean|make it|"
                        r"change it to|it'?s|it should be|the)?\b", re.I)
THAT_CARD = re.compile(r"\b(that|this|the same|same|affected) card\b|\b(freeze|block|lock|unfreeze|unlock) it\b", re.I)
OTHER_CARD = re.compile(r"\b(the )?other (card|one)\b", re.I)
YES = re.compile(r"^\s*(y|ya|yes|yeah|yep|yup|sure|ok|okay|confirm(ed)?|go ahead|do it|please do|correct|"
                 r"that'?s right|absolutely|definitely|affirmative|proceed)\b", re.I)
NO = re.compile(r"^\s*(n|no|nope|nah|cancel|don'?t|do not|stop|never ?mind|wait|hold on|not now|abort)\b", re.I)


# Questions about how something works are knowledge questions, even when they name an action.
HOW_TO = re.compile(r"^\s*(how (do|can|would|should|does) (i|you|one|it|a)|what('?s| is) the (process|procedure|way)|"
                    r"how long does|what happens (if|when)|is it possible to|can you explain)\b|\bif (it|my card|i)\b", re.I)
PRODUCT_FACTS = [
    (re.compile(r"\b(your|the bank'?s|northbridge'?s?)\s+(\w+\s+){0,2}(rates?|fees?|apr|interest|polic(y|ies)|limits?|"
                r"hours|charges?|terms)\b|\bwhat (is|are) (the )?(current )?(fees?|rates?|apr|limits?|charges?) (for|on|of)\b",
                re.I), "knowledge"),
    (re.compile(r"\b(apr|interest rate)\b.{0,25}\bmy\b|\bmy\b.{0,25}\b(apr|interest rate)\b", re.I), "credit_guidance"),
    (re.compile(r"\bcancel+\b.{0,30}\b(subscription|membership|direct debit|recurring|standing order)", re.I), "knowledge"),
]


def command(text: str) -> str | None:
    """The intent explicit wording settles, if any (how-to questions about an action are knowledge)."""
    for pattern, intent in PRODUCT_FACTS:
        if pattern.search(text):
            return intent
    for pattern, intent in COMMANDS:
        if pattern.search(text):
            if intent in ("freeze_card", "unfreeze_card", "dispute") and HOW_TO.search(text) and \
                    not re.search(r"\b(stolen|stole|nicked)\b", text, re.I):
                return "knowledge"
            return intent
    return None


def distressed(text: str) -> bool:
    return bool(DISTRESS.search(text))


def is_follow_up(text: str) -> bool:
    return bool(FOLLOW_UP.search(text)) or len(text.split()) <= 3


def is_correction(text: str) -> bool:
    return bool(CORRECTION.search(text))


def yes_or_no(text: str) -> str | None:
    """affirm / deny for a short reply to a pending confirmation; None when it is something else."""
    if len(text.split()) > 8:
        return None
    if NO.search(text):
        return "deny"
    if YES.search(text):
        return "affirm"
    return None
