"""Loading the markdown corpus: front matter parsed with python-frontmatter, validated into `Document`s.

python-frontmatter is the well-kept YAML front-matter reader (used by Jekyll-style tooling); we only add
validation so that a bad document fails ingestion with the file name and the field to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import frontmatter
import yaml

DOCS_DIR = Path(__file__).resolve().parent / "docs"
DOC_TYPES = ("product", "policy", "fee", "faq", "procedure")
AUDIENCES = ("customer", "agent")
REQUIRED = ("id", "title", "type", "version", "effective_date", "jurisdiction", "audience")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")
_JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


class CorpusError(ValueError):
    """A document is malformed; the message names the file and what to fix."""


@dataclass(frozen=True)
class Document:
    """One version of one knowledge-base document (several files may share an id with different versions)."""

    id: str
    title: str
    type: str
    version: str
    effective_date: date
    jurisdiction: str
    audience: str
    body: str
    source: str                      # path relative to the corpus folder, for messages

    @property
    def key(self) -> str:
        """Identifies this version: `doc-id@version`."""
        return f"{self.id}@{self.version}"


def _field_error(source: str, name: str, problem: str) -> CorpusError:
    return CorpusError(f"{source}: front matter field {name!r} {problem}")


def parse_document(text: str, source: str) -> Document:
    """Parse one markdown file's text; raises CorpusError naming the file and the field to fix."""
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise CorpusError(f"{source}: front matter is not valid YAML ({exc})") from None
    meta = post.metadata
    missing = [name for name in REQUIRED if meta.get(name) in (None, "")]
    if missing:
        raise CorpusError(f"{source}: front matter misses {', '.join(missing)} (required: {', '.join(REQUIRED)})")
    doc_id, doc_type, audience = str(meta["id"]), str(meta["type"]), str(meta["audience"])
    jurisdiction = str(meta["jurisdiction"])
    if not _ID.match(doc_id):
        raise _field_error(source, "id", f"is {doc_id!r}: use lowercase letters, digits and hyphens")
    if doc_type not in DOC_TYPES:
        raise _field_error(source, "type", f"is {doc_type!r}: use one of {', '.join(DOC_TYPES)}")
    if audience not in AUDIENCES:
        raise _field_error(source, "audience", f"is {audience!r}: use one of {', '.join(AUDIENCES)}")
    if not _JURISDICTION.match(jurisdiction):
        raise _field_error(source, "jurisdiction", f"is {jurisdiction!r}: use a country code like US or US-CA")
    effective = meta["effective_date"]
    if not isinstance(effective, date):
        try:
            effective = date.fromisoformat(str(effective))
        except ValueError:
            raise _field_error(source, "effective_date", f"is {effective!r}: use YYYY-MM-DD") from None
    if not post.content.strip():
        raise CorpusError(f"{source}: the document has no text after the front matter")
    return Document(id=doc_id, title=str(meta["title"]), type=doc_type, version=str(meta["version"]),
                    effective_date=effective, jurisdiction=jurisdiction, audience=audience,
                    body=post.content, source=source)


def load_corpus(docs_dir: Path = DOCS_DIR) -> list[Document]:
    """Every `*.md` under docs_dir (recursively), sorted by id and effective date; duplicate versions fail."""
    docs_dir = Path(docs_dir)
    if not docs_dir.is_dir():
        raise CorpusError(f"knowledge folder {docs_dir} does not exist")
    documents: dict[str, Document] = {}
    for path in sorted(docs_dir.rglob("*.md")):
        source = path.relative_to(docs_dir).as_posix()
        doc = parse_document(path.read_text(encoding="utf-8"), source)
        if doc.key in documents:
            raise CorpusError(f"{source}: {doc.key} is also defined in {documents[doc.key].source}; "
                              "give each version of a document its own version number")
        clash = next((d for d in documents.values() if d.id == doc.id and d.effective_date == doc.effective_date), None)
        if clash:
            raise CorpusError(f"{source}: {doc.key} takes effect on the same day as {clash.key} ({clash.source}); "
                              "versions of one document need different effective dates")
        documents[doc.key] = doc
    if not documents:
        raise CorpusError(f"knowledge folder {docs_dir} has no markdown documents")
    return sorted(documents.values(), key=lambda d: (d.id, d.effective_date))
