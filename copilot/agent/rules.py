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
                r"nicked|swiped|taken)\b|(?<!don't )(?<!dont )(?<!not )\b(freeze|lock|block|deactivate)\b.{0,30}\b(visa|mastercard|amex|"
                r"debit)\b|\b(lost|stole[n]?|misplaced|can'?t find)\b.{0,20}\b(my )?(card|wallet|purse|visa|"
                r"mastercard|amex|debit)\b(?!\s*(pin|number|details|cvv|code))|(?<!don't )(?<!dont )(?<!not )\b(freeze|lock|block) (it|them|that|this one)\b", re.I),
     "freeze_card"),
    (re.compile(r"\b(dispute|chargeback|charge back|contest)\b", re.I), "dispute"),
    (re.compile(r"\b(speak|talk|chat)\s+(to|with)\s+(a |an |some)?(real |actual |live )?(human|person|agent|someone|"
                r"representative|rep|advisor|adviser|banker|manager)\b|^\s*(an? )?(human|real person|live agent|agent|"
                r"representative|operator)\s*(please|pls|now)?\s*[.!?]*\s*$|\bcall me( back)?\b|"
                r"hablar con (una persona|un agente|alguien|un humano)|parler (à|a) (quelqu'un|un conseiller|un humain)|"
                r"mit einem (menschen|mitarbeiter) sprechen", re.I), "handoff"),
    (re.compile(r"^\s*(please )?(show|list|find|see|pull up|get)( me)?( all)?( of)?( my)? .{0,40}\b(transactions|charges|"
                r"payments|purchases|deposits)\b|^\s*(please )?(show|list|find|pull up|get)( me)? (everything|anything|all|what)\b"
                r".{0,25}\b(over|above|under|below|more than|less than|bigger than)\b", re.I), "transactions"),
    (re.compile(r"\b(i want to|i'd like to|i wish to|how do i|how can i) (make a |file a |raise a |lodge a )?complain", re.I),
     "complaint"),
]

# Signals that a human should take over now (vulnerability, distress, safety).
DISTRESS = re.compile(
    r"\b(suicid\w*|kill myself|end it all|end my life|self[- ]harm|can'?t go on|want to die|don'?t want to (be here|live)|"
    r"can'?t do this anymore|no point (in )?living|better off without me|"
    r"no way out|can'?t cope|breaking down|desperate|domestic (abuse|violence)|being (abused|threatened|coerced)|"
    r"forced me to|scammed|someone is making me|bereave\w*|(husband|wife|partner|mum|mom|dad|father|mother) (just )?"
    r"(died|passed away)|dementia|terminal(ly)? ill|gambling problem)\b", re.I)

FOLLOW_UP = re.compile(r"^\s*((ok(ay)?|so|right|hmm+),?\s+)?(and|what about|how about|ok(ay)? and|also|same for|now|but|just|only|what if|make it|push it|"
                       r"change it|move it|instead|then|same but)\b|^\s*(for|in|on|at)\s+\S+\??\s*$", re.I)
CORRECTION = re.compile(r"^\s*(no,?|nope,?|sorry,?|actually,?|oops,?|i meant|i mean|not that,?|wait,?)\s*(i meant|i mean|make it|"
                        r"change it to|it'?s|it should be|the)?\b", re.I)
THAT_CARD = re.compile(r"\b(that|this|the same|same|affected) card\b|\b(freeze|block|lock|unfreeze|unlock) it\b", re.I)
THAT_CHARGE = re.compile(r"\b(that|this|the same|the last|the first|the top) (charge|payment|one|transaction)\b|"
                         r"\bdispute (it|that|this)\b", re.I)
AGAIN = re.compile(r"\b(try again|again|now\?|what about now|how about now|retry|redo|one more time)\s*[?!.]*\s*$", re.I)
OTHER_CARD = re.compile(r"\b(the )?other (card|one)\b", re.I)
YES = re.compile(r"^\s*(y|ya|yes|yeah|yep|yup|sure|ok|okay|confirm(ed)?|go ahead|do it|please do|correct|"
                 r"that'?s right|absolutely|definitely|affirmative|proceed)\b", re.I)
NO = re.compile(r"^\s*((hmm+|um+|uh+|oh|well|actually),?\s+)?(n|no|nope|nah|cancel|don'?t|do not|stop|never ?mind|wait|"
                r"hold on|not now|abort)\b", re.I)


# The customer says a charge was not theirs.
DISOWNED = re.compile(r"\b(never (bought|made|ordered|authori[sz]ed)|didn'?t (buy|make|order|authori[sz]e)|don'?t recogni[sz]e|"
                      r"wasn'?t me|not mine)\b", re.I)

# Questions about how something works are knowledge questions, even when they name an action.
QUESTION_ABOUT_HOW = (r"^\s*(how (do|can|would|should|does) (i|you|one|it|a)|what('?s| is) the (process|procedure|way|time limit)|"
                      r"how long (does|do|will|would|until|before|is|are|for)|what happens (if|when)|is it possible to|"
                      r"can you explain)\b")
HOW_TO = re.compile(QUESTION_ABOUT_HOW + r"|\bif (it|my card|i)\b", re.I)
# "How long does ...", "why hasn't ...", "is there a fee ...": asking how things work, not for the customer's records.
WHY = re.compile(QUESTION_ABOUT_HOW + r"|^\s*(why (is|isn'?t|hasn'?t|has|does|doesn'?t|did|didn'?t|was|wasn'?t|can'?t|won'?t|are|aren'?t|do|don'?t)|"
                 r"is there (a|any) (fee|charge|limit|way)|what (do|should) i do)\b", re.I)
# Something that did not work ("top up not working", "the money disappeared"): how it works is the first answer.
FAULT = re.compile(r"\b(not working|isn'?t working|doesn'?t work|won'?t work|stopped working|disappeared|vanished|"
                   r"reverted|didn'?t go through|keeps? (failing|getting declined)|getting an error|error message|"
                   r"having (a|an) (problem|issue)|having (trouble|problems|issues))\b", re.I)
ASKS_IF = re.compile(r"^\s*(can|could|may|am i able|is it possible|what are the steps|how)\b|\bsteps\b", re.I)
CRYPTO_SUPPORT = re.compile(r"^(?=.*\b(crypto\w*|bitcoin)\b).*\b(fail\w*|won'?t (go|work|let)|not working|reverted|referted|"
                            r"declined|rejected|go through|fix|process|top[- ]?up)\b", re.I | re.S)
IF_CLAUSE = re.compile(r"\bif (it|my card|i)\b", re.I)
# Wording that turns a rule's request into a question for the knowledge base ("how do I dispute ...", "what if my card
# is frozen", "can I transfer money to my card?", "my crypto top-up was reverted").
AS_A_QUESTION = {"dispute": HOW_TO, "freeze_card": IF_CLAUSE, "unfreeze_card": IF_CLAUSE,
                 "move_money": re.compile("|".join(p.pattern for p in (FAULT, HOW_TO, ASKS_IF)), re.I),
                 "investment_advice": CRYPTO_SUPPORT}
# Banking subjects: a question about one of them is the bank's to answer, however off-topic its phrasing looks.
BANKING_TOPIC = re.compile(r"\b(cards?|accounts?|bank(ing)?|transfers?|payments?|pay ?in|deposits?|withdraw\w*|atms?|cash|"
                           r"fees?|charges?|exchange rates?|currenc(y|ies)|top(ping|ped)?[- ]?ups?|pin|passcode|password|app|"
                           r"statements?|cheques?|checks|overdraft|loans?|mortgage|interest|refunds?|identity|verif\w+|"
                           r"contactless|apple pay|google pay|sort code|routing|iban|swift|direct debits?|standing orders?|"
                           r"(minimum|min) age|age (limit|minimum|requirements?)|how old)\b",
                           re.I)
# Wording that settles the intent before the classifier (checked in order; first match wins).
PRODUCT_FACTS = [
    (re.compile(r"\b(make|file|raise|lodge|submit|register) (a |an )?(formal |official )?complaint\b|"
                r"\bi want to complain\b", re.I), "complaint"),
    (re.compile(r"\b(crypto\w*|bitcoin|btc|dogecoin|ethereum|the fed|federal reserve|stock market|index funds?|"
                r"etfs?|shares in)\b", re.I), "investment_advice"),
    (re.compile(r"\bcash ?flow\b|\bforecast\b|\bwill (we|i) (dip|drop|go) (under|below)\b", re.I), "cash_flow"),
    (re.compile(r"\bround[- ]?ups?\b|\bspare change\b|\b(interest rate|apy|rate) (on|for) my (high[- ]yield )?"
                r"(savings|account)|\bwhat'?s (our|the) (process|procedure|policy)\b", re.I), "knowledge"),
    (re.compile(r"\bcredit score\b", re.I), "credit_score"),
    (re.compile(r"\b(chase|wells fargo|bank of america|citi(bank)?|capital one|revolut|monzo|barclays|hsbc|ally|"
                r"discover bank|td bank|us bank)\b.{0,20}\b(account|card|balance)|\bmy (chase|wells fargo|citi|"
                r"capital one|revolut|monzo) ", re.I), "other_bank"),
    (re.compile(r"\b(cost|fee|fees|charge for|how much (is|does|do))\b.{0,40}\b(send|wire|transfer)|"
                r"\b(send|wire|transfer)\b.{0,40}\b(cost|fee|fees|limit|take)\b", re.I), "knowledge"),
    (re.compile(r"(?i:\b(send|transfer|wire|pay|venmo|zelle)\b.{0,25}\bto (my |a )?(roommate|friend|mom|dad|landlord|"
                r"brother|sister|son|daughter|partner))\b|(?i:\b(send|transfer|wire|pay|venmo|zelle)\b)[^.?!]{0,25}\bto "
                r"[A-Z][a-z]+\b|(?i:\b(send|wire|transfer) (some )?money to\b(?! (me|us|my (own )?account)\b))"), "move_money"),
    (re.compile(r"\b(use|using|take|taking|dip into|empty|drain)\b.{0,10}\b(my |our |the )?(savings|emergency fund|rainy day)\b"
                r".{0,40}\bpay (off|down|back)\b", re.I), "credit_guidance"),
    (re.compile(r"\b(access to|see|share|sharing|using|use) (all )?(of )?my (data|info|information|accounts?|"
                r"transactions|savings|details)\b", re.I), "consent_manage"),
    (re.compile(r"^\s*report (a )?fraud", re.I), "fraud_check"),
    (re.compile(r"\b(two[- ]?(factor|step)|2fa|mfa|one[- ]time (code|passcode)|public wi-?fi|face ?id|touch ?id|fingerprint|"
                r"biometrics?)\b|"
                r"\b(lost|stolen|stole|misplaced|can'?t find|broke|smashed)\b.{0,20}\b(phone|mobile|iphone|android|device)\b|"
                r"^(?!.*\bcards?\b).*\b(phone|mobile|iphone|android)\b.{0,25}\b(lost|stolen|nicked|taken)\b|"
                r"\bwhat('?s| is| are) the ([\w-]+ ){0,3}(limits?|fees?|charges?)\b(?!.{0,20}\bmy\b)", re.I), "knowledge"),
    (re.compile(r"\b(behind on|fallen behind|can'?t (pay|afford|make|keep up)|struggling to (pay|make|keep)|"
                r"debt collectors?|lost (my|our) jobs?)\b", re.I), "hardship"),
    (re.compile(r"\b(deduct|deductions?|lower my tax(es)?|pay less tax|tax (advice|return|bill)|file my taxes|"
                r"write[- ]?offs?)\b", re.I), "investment_advice"),
    (re.compile(r"\b(was me|wasn'?t fraud|that'?s mine|it was me|i made (that|it)|i did buy|i bought (that|it)|"
                r"no need to flag)\b", re.I), "acknowledge"),
    (re.compile(r"^(?!.*\b(dispute|chargeback|charge back|contest)\b).*?(" + DISOWNED.pattern +
                r"|\b(what('?s| is) this .{0,40}(charge|payment|thing|transaction)|wtf is)\b)", re.I | re.S), "fraud_check"),
    (re.compile(r"\b(twice|two times|double[- ]?charged|charged double|duplicate)\b", re.I), "dispute"),
    (re.compile(r"\b(liab(le|ility)|get my money back|am i covered|protected|reimburs\w*|scam\w*|phishing|"
                r"(text|call|email|message) (saying|from|claiming)|gift cards?|read (back )?(a |the )?code)\b|"
                r"\b(text|call|email|message|caller|website|link)\b.{0,40}\blegit\b", re.I), "knowledge"),
    (re.compile(r"\b(increase|raise|higher|bigger|lower|decrease|reduce|change)\b.{0,15}\bcredit limit\b|"
                r"\bcredit limit (increase|raise|decrease|change)", re.I), "knowledge"),
    (re.compile(r"\bwhere (does|did|do|has|have) (all )?(my|our|the) (money|cash|pay(check|cheque)?|salary) (go|gone|going)\b",
                re.I), "spending"),
    (re.compile(r"\bwhat happens (if|when) (i|you|my|we)\b(?!.{0,40}\d)", re.I), "knowledge"),
    (re.compile(r"\bpenalt(y|ies)\b|\b(early (re)?payment|prepayment) (fee|charge|penalty)|\bprepayment\b", re.I), "knowledge"),
    (re.compile(r"\b(calculated|worked out|determined|how does .{0,30} work|credit (bureaus?|report)|"
                r"do you( guys| all)? (have|offer|sell|do)|can i get (a|an)\b|your (staff|agents|team|policy|app))", re.I), "knowledge"),
    (re.compile(r"\b(your|the bank'?s|northbridge'?s?)\s+(\w+\s+){0,2}(rates?|fees?|apr|interest|polic(y|ies)|limits?|"
                r"hours|charges?|terms)\b|\bwhat (is|are) (the )?(current )?(fees?|rates?|apr|limits?|charges?) (for|on|of)\b",
                re.I), "knowledge"),
    (re.compile(r"\b(charged|charging|charge)( me)? (extra|more)\b|\b(extra|additional|hidden|unexpected|surprise) "
                r"(fees?|charges?)\b", re.I), "knowledge"),                       # "why was I charged extra when ..."
    (re.compile(r"^(?!.*\b(un ?freeze|unlock|unblock|reactivate|re-activate)\b).*\bfound (my|the|that) (lost |missing )?"
                r"card\b", re.I | re.S), "knowledge"),                            # "I found my lost card, can I use it?"
    (re.compile(r"\b(extra|additional|on top of)\b.{0,40}\b(when|how long|how many months|paid off|pay (it|them) off|"
                r"be gone|debt[- ]free|cleared?)\b|\b(when|how long|how many months)\b.{0,40}\b(extra|additional)\b", re.I),
     "debt_payoff"),
    (re.compile(r"\b(extra|on top of) (the )?(minimums?|\$?\d+)|\bmore than (the |my )?minimums?|\bon top of (the|my) minimums?",
                re.I),
     "credit_guidance"),
    (re.compile(r"\b(apr|interest rate)\b.{0,25}\bmy\b.{0,20}\b(card|visa|mastercard|loan|credit)|"
                r"\bmy\b.{0,25}\b(card|visa|mastercard|loan)\b.{0,10}\b(apr|interest rate)\b", re.I), "credit_guidance"),
    (re.compile(r"\b(across|all) (of )?my accounts|\bnet worth\b|\btotal balance\b|\bhow much (do|does) .{0,30}\bowe\b|"
                r"\b(payment due|due date|minimum payment|min payment)\b.{0,30}\b(my|visa|card)\b|"
                r"\bwhen('?s| is) my .{0,30} (payment )?due\b", re.I), "balance"),
    (re.compile(r"\b(refunded me|has .{0,25} refunded|refund (yet|arrived|come through|show(n|ed)? up|gone through))\b",
                re.I), "transactions"),
    (re.compile(r"\b(when was the last time|last time i)\b", re.I), "transactions"),
    (re.compile(r"\b(what|how much) (have |did |do )?(i|we) (spen[dt]|blow|blew|splurge\w*)\b(?!.{0,30}\b(budget|limit|save))", re.I),
     "spending"),
    (re.compile(r"\bcan (i|we) afford\b(?!.{0,40}\b(by|in \d+|goal))", re.I), "cash_flow"),
    (re.compile(r"\bcancel+\b.{0,30}\b(subscription|membership|direct debit|recurring|standing order)", re.I), "knowledge"),
]


def command(text: str) -> str | None:
    """The intent explicit wording settles, if any; asked as a question about how things work, it is knowledge."""
    for pattern, intent in PRODUCT_FACTS + COMMANDS:
        if pattern.search(text):
            question = AS_A_QUESTION.get(intent)
            return "knowledge" if question and question.search(text) else intent
    return None


def asks_how_things_work(text: str) -> bool:
    return bool(WHY.search(text))


def reports_a_fault(text: str) -> bool:
    return bool(FAULT.search(text))


def about_banking(text: str) -> bool:
    return bool(BANKING_TOPIC.search(text))


def distressed(text: str) -> bool:
    return bool(DISTRESS.search(text))


def is_follow_up(text: str) -> bool:
    return bool(FOLLOW_UP.search(text)) or len(text.split()) <= 4


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
