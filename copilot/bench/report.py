"""The bench results as table rows (family, figure, n, median, p95, note) and as a rich table."""

from __future__ import annotations

from rich.table import Table

Row = tuple[str, str, str, str, str, str]


def _dist(family: str, name: str, figure: dict, note: str = "") -> Row:
    return (family, name, str(figure["n"]), f"{figure['median']:g}", f"{figure['p95']:g}", note or figure["unit"])


def _value(family: str, name: str, value, note: str = "") -> Row:
    return (family, name, "", f"{value:g}" if isinstance(value, float | int) else str(value), "", note)


def _understanding(f: dict) -> list[Row]:
    return [_dist("understanding", "model reading", f["read"], "ms per message"),
            _dist("understanding", "reading + plan", f["read_and_plan"], "ms per message")]


def _turns(f: dict) -> list[Row]:
    rows = []
    for name, figure in f.items():
        odd = figure.get("mismatches")
        rows.append(_dist("turn latency", name, figure, f"ms; {len(odd)} off-route" if odd else "ms"))
    return rows


def _compliance(f: dict) -> list[Row]:
    return [_dist("compliance", "guard + filter", f["guard_plus_filter"], "ms per turn"),
            _dist("compliance", "plain Presidio", f["plain_presidio"], "ms on the same texts"),
            _value("compliance", "ours / Presidio", f["ratio_median"], f"x, median; p95 {f['ratio_p95']:g}x")]


def _retrieval(f: dict) -> list[Row]:
    return [_dist("retrieval", "new question", f["query_cold"]),
            _dist("retrieval", "repeated question", f["query_warm"]),
            _value("retrieval", "ingest", f["ingest_chunks_per_s"],
                   f"chunks/s; {f['ingest_chunks']} in {f['ingest_seconds']:g} s")]


def _llm(f: dict) -> list[Row]:
    return [_dist("llm context", "budgeted", f["budgeted"], "prompt tokens/turn"),
            _dist("llm context", "naive", f["naive"], "prompt tokens/turn"),
            _value("llm context", "naive / budgeted", f["ratio_median"], f"x, median; total {f['ratio_total']:g}x")]


def _http(f: dict) -> list[Row]:
    rows = []
    for server in f.values():
        for level, figure in server["levels"].items():
            name = f"{server['workers']}w x {level} conv"
            note = (f"ms; {figure['throughput_turns_per_s']:g} turns/s, {figure['errors']} err, "
                    f"RSS {figure['rss_mb']:.0f} MB, PSS {figure.get('pss_mb', 0):.0f} MB")
            rows.append(_dist("http", name, figure["latency"], note))
            noop = figure.get("noop")
            if noop:
                share = figure["throughput_turns_per_s"] / noop["throughput_turns_per_s"] if noop["throughput_turns_per_s"] else 0
                rows.append(_dist("http", f"{name}, no-op endpoint", noop["latency"],
                                  f"ms; {noop['throughput_turns_per_s']:g} req/s; copilot at {share:.1%} of it"))
    return rows


def _fleet(f: dict) -> list[Row]:
    rows = []
    for server in f.values():
        for level, figure in server["levels"].items():
            rss = figure["rss_mb_per_worker"]
            note = (f"ms; {figure['throughput_turns_per_s']:g} turns/s, {figure['errors']} err, "
                    f"{max(rss, default=0):.0f} MB/worker, {figure['db_connections_peak']} DB conn")
            rows.append(_dist("fleet (PostgreSQL)", f"{server['workers']}w x {level} conv", figure["latency"], note))
    return rows


FORMATTERS = {"understanding": _understanding, "turns": _turns, "compliance": _compliance, "retrieval": _retrieval, "llm_context": _llm,
              "http": _http, "fleet": _fleet}


def rows(results: dict) -> list[Row]:
    out: list[Row] = []
    for family, figures in results["figures"].items():
        if "error" in figures:
            out.append((family, "FAILED", "", "", "", figures["error"][:120]))
        else:
            out.extend(FORMATTERS[family](figures))
    return out


def table(results: dict) -> Table:
    meta = results["meta"]
    title = (f"copilot bench · {meta['date']} · {meta['cpus']} cores · load {meta['load_average_start']:g}"
             f"→{meta['load_average_end']:g} · {meta['seconds']['total']:g} s")
    grid = Table(title=title, title_justify="left")
    for column, justify in (("family", "left"), ("figure", "left"), ("n", "right"), ("median", "right"),
                            ("p95", "right"), ("unit / note", "left")):
        grid.add_column(column, justify=justify)
    for row in rows(results):
        grid.add_row(*row)
    return grid
