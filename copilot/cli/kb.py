"""`copilot kb ...`: build the knowledge index, search it, show a cited section, and score retrieval.

The knowledge package (chromadb, bm25s, the embedding model) is imported inside each command, so registering
this group costs the rest of the CLI nothing at start-up.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from copilot.cli.common import console, fail, friendly
from copilot.config import load_settings

kb_app = typer.Typer(help="The product and policy knowledge base.", no_args_is_help=True)
AUDIENCE = typer.Option("customer", "--audience", "-a", help="customer, or agent to include agent-only procedures.")
DOCS = typer.Option(None, "--docs", help="Folder of markdown documents (default: knowledge/docs).", file_okay=False)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@kb_app.command("ingest")
@friendly
def ingest_command(rebuild: bool = typer.Option(False, help="Drop the collection and embed every chunk again."),
                   docs: Path = DOCS) -> None:
    """Index the corpus into Chroma; only new or changed chunks are embedded."""
    from knowledge import DOCS_DIR, get_retriever, ingest

    settings, docs = load_settings(), docs or DOCS_DIR
    columns = (TextColumn("embedding chunks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("embed", total=None)
        report = ingest(settings, docs, rebuild=rebuild,
                        progress=lambda done, total: progress.update(task, completed=done, total=total))
    get_retriever(settings, docs).reload()
    table = Table(title=f"knowledge index {settings.kb_collection} ({settings.chroma_url or settings.chroma_dir})")
    for name in ("documents", "chunks", "embedded", "unchanged", "removed"):
        table.add_column(name, justify="right")
    table.add_column("time", justify="right")
    table.add_row(*(str(getattr(report, name)) for name in ("documents", "chunks", "embedded", "unchanged", "removed")),
                  f"{report.seconds:.1f}s")
    console.print(table)
    if report.embedded:
        console.print(f"embedded {report.embedded} chunks at {report.chunks_per_second:.0f} chunks/s "
                      f"from {len(report.changed_docs)} document versions")
    if report.removed_docs:
        console.print(f"removed: {', '.join(report.removed_docs)}")


@kb_app.command("search")
@friendly
def search_command(question: str = typer.Argument(..., help="What to look for, in plain words."),
                   audience: str = AUDIENCE,
                   k: int = typer.Option(5, "-k", min=1, max=50, help="How many sections to return."),
                   jurisdiction: str = typer.Option(None, help="e.g. US or US-CA; default: every jurisdiction."),
                   on: str = typer.Option(None, help="Search the versions in force on this day (YYYY-MM-DD)."),
                   as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Search the knowledge base the way the copilot does (hybrid dense + BM25, filtered)."""
    from knowledge import get_retriever

    result = get_retriever(load_settings()).search(question, audience=audience, k=k, jurisdiction=jurisdiction,
                                                   on=_day(on))
    if as_json:
        console.print_json(result.model_dump_json())
        return
    if not result.answerable:
        console.print("[yellow]Nothing in the knowledge base answers this.[/] The copilot says it does not know and "
                      "offers our team (see `copilot kb show contact-us#talk-to-a-person`).")
        return
    table = Table(title=f"{question!r} ({audience})", show_lines=True)
    table.add_column("citation", style="cyan", overflow="fold", ratio=2)
    table.add_column("score", justify="right", width=5)
    table.add_column("snippet", ratio=3, min_width=24)
    for hit in result.hits:
        snippet = " ".join(hit.text.split())
        table.add_row(f"{hit.citation}\nv{hit.version}, {hit.effective_date}", f"{hit.score:.2f}",
                      f"[bold]{hit.title} > {hit.section}[/]\n{snippet[:240]}{'...' if len(snippet) > 240 else ''}")
    console.print(table)


@kb_app.command("show")
@friendly
def show_command(citation: str = typer.Argument(..., help="A citation handle, doc-id#section-slug."),
                 audience: str = AUDIENCE,
                 on: str = typer.Option(None, help="The version in force on this day (YYYY-MM-DD).")) -> None:
    """Print the full text of a cited section."""
    from knowledge import get_retriever

    hit = get_retriever(load_settings()).get_section(citation, audience=audience, on=_day(on))
    if hit is None:
        fail(f"no section {citation!r} visible to {audience} (check the handle with `copilot kb search`)")
    console.print(f"[bold]{hit.title} > {hit.section}[/]  [dim]{hit.citation} v{hit.version}, "
                  f"effective {hit.effective_date}[/]")
    console.print(Markdown(hit.text))


@kb_app.command("eval")
@friendly
def eval_command(questions: Path = typer.Option(None, help="Question set YAML (default: evals/retrieval)."),
                 k: int = typer.Option(5, "-k", min=1, max=50),
                 gate: float = typer.Option(0.90, help="Minimum recall@k; below it the command exits 1."),
                 out: Path = typer.Option(None, help="Also write the summary and misses as JSON here.")) -> None:
    """Score retrieval on the question set: recall@k, MRR, unanswerable detection, latency."""
    from evals.retrieval.scorer import QUESTIONS, evaluate, load_questions
    from knowledge import get_retriever

    card = evaluate(get_retriever(load_settings()), load_questions(questions or QUESTIONS), k=k)
    summary = card.summary()
    misses = card.misses()
    table = Table(title=f"retrieval misses ({len(misses)})")
    for column in ("question", "expected", "got"):
        table.add_column(column)
    for outcome in misses:
        expected = "unanswerable" if outcome.question.unanswerable else ", ".join(outcome.question.docs)
        got = ", ".join(dict.fromkeys(h.doc_id for h in outcome.result.hits)) or "unanswerable"
        table.add_row(f"{outcome.question.id}: {outcome.question.q}", expected, got)
    console.print(table)
    scores = Table(title="retrieval scorecard")
    scores.add_column("metric")
    scores.add_column("value", justify="right")
    for name, value in summary.items():
        scores.add_row(name, f"{value:.3f}" if isinstance(value, float) else str(value))
    console.print(scores)
    if out:
        out.write_text(json.dumps({"summary": summary, "misses": [
            {"id": o.question.id, "question": o.question.q, "expected": list(o.question.docs),
             "got": [h.citation for h in o.result.hits], "answerable": o.result.answerable} for o in misses]},
            indent=2))
    if not card.passed(gate):
        fail(f"recall@{k} {summary[f'recall@{k}']:.3f} is below the gate {gate:.2f}", code=1)
    console.print(f"[green]recall@{k} {summary[f'recall@{k}']:.3f} clears the gate {gate:.2f}[/]")


@kb_app.command("bench")
@friendly
def bench_command(out: Path = typer.Option(None, help="Also write the figures as JSON here.")) -> None:
    """Measure ingest throughput and query latency on a throwaway index (the real one is untouched)."""
    from evals.retrieval.bench import benchmark

    figures = benchmark(load_settings())
    table = Table(title="knowledge index benchmark")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, str(value))
    console.print(table)
    if out:
        out.write_text(json.dumps(figures, indent=2))
