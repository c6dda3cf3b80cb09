"""Text views for detection: canonical Unicode, decoded payloads, and reversed, leet, spaced or split spellings.

Attackers hide instructions in encodings and look-alike characters; every detector reads all views so an
instruction is caught however it is spelled. Nothing here decides anything: it only rewrites text to look at.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
import unicodedata
from urllib.parse import unquote

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

INVISIBLE = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
BIDI_OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")
TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")
CONFUSABLES = str.maketrans("аеорсуххіјѕԁɡοαεικνρτυχАВЕКМНОРСТХІЅ", "aeopcyxxijsdgoaeikvptuxABEKMHOPCTXIS")
MIXED_WORD = re.compile(r"\w*[a-zA-Z]\w*", re.UNICODE)
LEET = str.maketrans("013457@$!|98", "oieastasilgb")
LEET_WORD = re.compile(r"(?=[\w@$!|]*[a-zA-Z])(?=[\w@$!|]*[0-9@$!|])[\w@$!|]{2,}")
SPACED = re.compile(r"\b(?:[A-Za-z][ .\-_*+/]{1,2}){3,}[A-Za-z]\b")
SEPARATORS = re.compile(r"(?<=[A-Za-z])[-_*.+]+(?=[A-Za-z])")       # IGNORE-RULES-NOW, system_prompt
B64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}[\s:]?){8,}")
BINARY = re.compile(r"\b(?:[01]{8}\s?){4,}")
LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
CHAT_SPEAK = {"u": "you", "ur": "you're", "r": "are", "n": "and", "2": "to", "in2": "into", "4": "for", "pls": "please",
              "plz": "please", "sum1": "someone", "sum1s": "someone's", "some1": "someone", "some1s": "someone's",
              "any1": "anyone", "acc": "account", "accs": "accounts", "acct": "account", "w/o": "without", "b4": "before",
              "ppl": "people", "msg": "message", "instrux": "instructions", "pw": "password", "pwd": "password"}
CHAT_WORD = re.compile(r"(?<![\w/])(" + "|".join(re.escape(w) for w in sorted(CHAT_SPEAK, key=len, reverse=True))
                       + r")(?![\w/])", re.IGNORECASE)
WHOLE_TEXT_CIPHERS = 1500                 # characters up to which the whole text is also read as rot13 and reversed
TYPO_KEYWORDS = ("instructions", "instruction", "previous", "initial", "ignore", "prompt", "password", "directives", "disregard",
                 "restrictions", "guidelines", "everything", "opposite", "forget", "system", "secret", "reveal")
REAL_WORDS = frozenset({"forgot", "forgets", "ignored", "ignores", "prompts", "prompted", "systems", "secrets", "secrete",
                        "revealed", "reveals", "initials", "initially", "passwords", "directive", "guideline", "restriction",
                        "instructs", "instructed", "instructor", "opposites", "foreign", "forgive", "forged"})
TYPO_WORD = re.compile(r"\b[A-Za-z]{5,16}\b")
QUOTED = re.compile(r"(?<![A-Za-z])[\"'“‘]([^\"'”’\n]{1,60})[\"'”’](?![A-Za-z])")   # not the ' of "let's"


def canonical(text: str) -> str:
    """NFKC (full-width, ligatures, math letters), invisible characters dropped, look-alikes mapped in Latin words."""
    text = unicodedata.normalize("NFKC", text)
    text = INVISIBLE.sub("", BIDI_OVERRIDES.sub("", TAG_CHARS.sub("", text)))
    return MIXED_WORD.sub(lambda m: m.group(0).translate(CONFUSABLES), text)


def hidden_tag_text(text: str) -> str:
    """ASCII smuggled in Unicode tag characters (U+E0020-E007E), made visible."""
    return "".join(chr(ord(c) - 0xE0000) for c in TAG_CHARS.findall(text) if 0x20 <= ord(c) - 0xE0000 < 0x7F)


def _readable(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    letters = len(LETTER.findall(decoded))
    printable = sum(ch.isprintable() or ch.isspace() for ch in decoded)
    if len(decoded) < 6 or printable < 0.95 * len(decoded) or letters < 0.5 * len(decoded.replace(" ", "")):
        return None
    return decoded


def _base64(token: str) -> str | None:
    padded = token + "=" * (-len(token) % 4)
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            found = _readable(decoder(padded))
        except (binascii.Error, ValueError):
            continue
        if found:
            return found
    return None


def decoded_payloads(text: str) -> list[str]:
    """Readable text hidden as base64, hex, binary, URL or HTML escapes, or Unicode tags."""
    found = [d for d in (_base64(m.group(0)) for m in B64.finditer(text)) if d]
    for match in HEX.finditer(text):
        try:
            found.append(_readable(bytes.fromhex(re.sub(r"[\s:]", "", match.group(0)))) or "")
        except ValueError:
            pass
    for match in BINARY.finditer(text):
        bits = re.sub(r"\s", "", match.group(0))
        found.append(_readable(int(bits, 2).to_bytes(len(bits) // 8, "big")) or "")
    if "%" in text and unquote(text) != text:
        found.append(unquote(text))
    if "&#" in text and html.unescape(text) != text:
        found.append(html.unescape(text))
    found.append(hidden_tag_text(text))
    return [canonical(f) for f in found if f.strip()]


def dechat(text: str) -> str:
    """Chat shorthand spelled out: 'get in2 sum1s acc' -> 'get into someone's account'."""
    return CHAT_WORD.sub(lambda m: CHAT_SPEAK[m.group(0).lower()], text)


def _typo_fixed(match: re.Match) -> str:
    word = match.group(0)
    lower = word.lower()
    if lower in TYPO_KEYWORDS or lower in REAL_WORDS:
        return word
    found = process.extractOne(lower, TYPO_KEYWORDS, scorer=Levenshtein.distance,
                               score_cutoff=1 if len(lower) < 9 else 2)
    return found[0] if found else word


def detypo(text: str) -> str:
    """Misspelled key words corrected ('intructions', 'promt', 'pasword' -> 'instructions', 'prompt', 'password')."""
    return TYPO_WORD.sub(_typo_fixed, text)


def deleet(text: str) -> str:
    return LEET_WORD.sub(lambda m: m.group(0).lower().translate(LEET), text)


def despace(text: str) -> str:
    return SPACED.sub(lambda m: re.sub(r"[ .\-_*+/]", "", m.group(0)), text)


def joined_fragments(text: str) -> str:
    """Quoted fragments glued ('dis', 'regard your' -> 'disregard your') and spaced ('reveal', 'your' -> 'reveal your')."""
    fragments = QUOTED.findall(text)
    return "".join(fragments) + "\n" + " ".join(fragments) if len(fragments) >= 2 else ""


def views(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: 'plain' first, then obfuscated spellings, then decoded payloads ('encoded')."""
    plain = canonical(text)
    out = [("plain", plain)]
    spellings = [("leet", deleet(plain)), ("chat", dechat(plain)), ("typo", detypo(plain)), ("spaced", despace(plain)),
                 ("separated", SEPARATORS.sub(" ", plain))]
    if len(plain) <= WHOLE_TEXT_CIPHERS:          # a long message is not one rot13 or mirrored blob; saves ~40% time
        spellings += [("rot13", codecs.encode(plain, "rot13")), ("reversed", plain[::-1])]
    for kind, view in spellings:
        if view != plain:
            out.append((kind, view))
    if joined := joined_fragments(plain):
        out.append(("fragments", joined))
    out.extend(("encoded", payload) for payload in decoded_payloads(text))
    return out
