"""Heading-aware chunking: one chunk per markdown section, split further to a tiktoken budget with overlap.

Each chunk keeps its document's identity (id, version, effective date, audience, jurisdiction) and its section
path, and gets a citation handle `doc-id#section-slug` whose slug is the GitHub-style anchor of its heading.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from copilot.tokens import count_tokens, encoding
from knowledge.corpus import Document

MAX_TOKENS = 200          # header + body; MiniLM reads 256 word pieces, so this keeps every chunk whole
OVERLAP_TOKENS = 32
CHUNKER_VERSION = "1"     # part of every chunk id: bump it when chunk metadata changes meaning but not text
OVERVIEW = "overview"     # slug of the text between the title and the first sub-heading

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Chunk:
    """A piece of one document version, ready to embed and index."""

    doc: Document
    section: str              # "Fees > ATM fees" (empty for the overview)
    slug: str
    ordinal: int              # position of the chunk inside its section
    text: str                 # the section text, verbatim markdown

    @property
    def citation(self) -> str:
        return f"{self.doc.id}#{self.slug}"

    @property
    def header(self) -> str:
        return f"{self.doc.title} > {self.section}" if self.section else self.doc.title

    @property
    def embed_text(self) -> str:
        """What the embedder and BM25 see: the heading path gives a short section its context."""
        return f"{self.header}\n{self.text}"

    @property
    def id(self) -> str:
        """Content-addressed: an unchanged chunk keeps its id, so re-ingesting skips it."""
        doc = self.doc
        fingerprint = "\x1f".join([CHUNKER_VERSION, doc.key, doc.title, doc.type, doc.effective_date.isoformat(),
                                   doc.jurisdiction, doc.audience, self.section, self.slug, str(self.ordinal),
                                   self.text])
        return f"{doc.key}#{self.slug}~{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}"


def slugify(heading: str) -> str:
    """GitHub's anchor rule: lowercase, drop punctuation, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return re.sub(r" ", "-", text) or "section"


def _sections(body: str) -> list[tuple[list[str], str]]:
    """(heading path below the title, text) for each section; the level-1 title is not part of the path."""
    sections: list[tuple[list[str], list[str]]] = [([], [])]
    stack: list[tuple[int, str]] = []
    in_fence = False
    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading is None:
            sections[-1][1].append(line)
            continue
        level, title = len(heading.group(1)), heading.group(2)
        if level == 1:
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        sections.append(([t for _, t in stack], []))
    return [(path, "\n".join(lines).strip()) for path, lines in sections if "\n".join(lines).strip()]


def _units(text: str, budget: int) -> list[tuple[str, str]]:
    """(separator, piece) pairs: paragraphs, broken into lines, sentences, then token windows until each fits."""
    units: list[tuple[str, str]] = []
    for paragraph in re.split(r"\n\s*\n", text):
        pieces = [(sep, piece) for sep, piece in _fit(paragraph.strip(), budget, level=0) if piece.strip()]
        units.extend((sep if i else "\n\n", piece) for i, (sep, piece) in enumerate(pieces))
    return units


def _fit(text: str, budget: int, level: int) -> list[tuple[str, str]]:
    if count_tokens(text) <= budget:
        return [("", text)]
    lines = text.splitlines()
    if level == 0 and len(lines) > 2 and lines[0].startswith("|"):
        return [("\n\n", table) for table in _split_table(lines, budget)]
    if level == 0 and len(lines) > 1:
        return [(sep or "\n", piece) for line in lines for sep, piece in _fit(line, budget, 1)]
    sentences = _SENTENCE.split(text)
    if level <= 1 and len(sentences) > 1:
        return [(sep or " ", piece) for sentence in sentences for sep, piece in _fit(sentence, budget, 2)]
    tokens = encoding().encode(text, disallowed_special=())
    return [("", encoding().decode(tokens[i:i + budget])) for i in range(0, len(tokens), budget)]


def _split_table(lines: list[str], budget: int) -> list[str]:
    """Groups of table rows that fit the budget, each under the table's header row so it still reads as a table."""
    head = "\n".join(lines[:2])
    pieces: list[str] = []
    rows: list[str] = []
    for row in lines[2:]:
        if rows and count_tokens("\n".join([head, *rows, row])) > budget:
            pieces.append("\n".join([head, *rows]))
            rows = []
        if count_tokens(f"{head}\n{row}") > budget:            # too long even alone: the bare row, split
            pieces.extend(piece for _, piece in _fit(row, budget, 2))
        else:
            rows.append(row)
    return pieces + (["\n".join([head, *rows])] if rows else [])


def _tail(text: str, budget: int) -> str:
    """The last whole sentences of text that fit in budget tokens (the overlap carried into the next chunk)."""
    last_line = text.splitlines()[-1] if text else ""
    if last_line.startswith("|"):                  # never carry table rows: they mean nothing without the header
        return ""
    kept: list[str] = []
    for sentence in reversed(_SENTENCE.split(last_line)):
        if count_tokens(" ".join([sentence, *kept])) > budget:
            break
        kept.insert(0, sentence)
    return " ".join(kept)


def _pack(units: list[tuple[str, str]], budget: int, overlap: int) -> list[str]:
    """Greedily fill chunks up to the budget; each new chunk starts with the previous one's last sentences."""
    chunks: list[str] = []
    current = ""
    for sep, unit in units:
        if current and count_tokens(current + sep + unit) > budget:
            chunks.append(current)
            carry = _tail(current, min(overlap, budget - count_tokens(unit) - 1))
            current = f"{carry}\n{unit}" if carry and carry != unit.strip() else unit
        else:
            current = current + sep + unit if current else unit
    if current:
        chunks.append(current)
    return chunks


def chunk_document(doc: Document, max_tokens: int = MAX_TOKENS, overlap_tokens: int = OVERLAP_TOKENS) -> list[Chunk]:
    """Split one document into section chunks of at most max_tokens (heading path included)."""
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for path, text in _sections(doc.body):
        base = slugify(path[-1]) if path else OVERVIEW
        slug = base if base not in seen else f"{base}-{seen[base]}"
        seen[base] = seen.get(base, 0) + 1
        section = " > ".join(path)
        header = f"{doc.title} > {section}" if section else doc.title
        budget = max_tokens - count_tokens(header) - 1
        for ordinal, piece in enumerate(_pack(_units(text, budget), budget, overlap_tokens)):
            chunks.append(Chunk(doc=doc, section=section, slug=slug, ordinal=ordinal, text=piece))
    return chunks
