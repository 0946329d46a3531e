"""Command line: build, serve, ask, search, eval.

Examples:
    assistant build
    assistant serve --port 8000
    assistant ask "Vilka kommuner ingår i samarbetet?"
    assistant ask --json "När formaliserades samverkan?"
    assistant search "regionala stadskärnor" -k 3
    assistant eval eval/dev.jsonl
    assistant feedback export -o feedback.csv
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import textwrap
from dataclasses import asdict
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError

from assistant.config import Settings, get_settings
from assistant.errors import AssistantError, InvalidQuestion
from assistant.logs import JsonFormatter
from assistant.logs import configure as configure_logging
from assistant.types import Answer, Turn

EXIT_ERROR = 1
EXIT_USAGE = 2


def settings_errors(exc: Exception) -> list[str]:
    """One line per bad setting, named as it is set: "ASSISTANT_PORT: …"."""
    if isinstance(exc, ValidationError):
        return [
            f"ASSISTANT_{'_'.join(str(p) for p in e['loc'][:1]).upper()}: {e['msg']}"
            for e in exc.errors()
        ]
    # pydantic-settings names the field when a value is not valid JSON ("[…]" lists).
    field = re.search(r'field "(\w+)"', str(exc))
    name = f"ASSISTANT_{field.group(1).upper()}" if field else "ASSISTANT_*"
    return [f'{name}: not valid JSON (a list is written like ["a", "b"])']


def _progress(message: str) -> None:
    if logging.getLogger().handlers and isinstance(
        logging.getLogger().handlers[0].formatter, JsonFormatter
    ):
        progress_log.info(message)  # a JSON log wants JSON lines only
    else:
        print(f"· {message}", file=sys.stderr, flush=True)


progress_log = logging.getLogger("assistant.progress")


def _settings(args: argparse.Namespace) -> Settings:
    settings = get_settings()
    overrides = {
        key: value
        for key in ("corpus_dir", "index_dir", "model", "host", "port", "workers")
        if (value := getattr(args, key, None)) is not None
    }
    return settings.model_copy(update=overrides) if overrides else settings


def _assistant(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from assistant.pipeline import Assistant

    bot = Assistant(_settings(args))
    bot.warm_up(progress=_progress)
    return bot


def cmd_build(args: argparse.Namespace) -> int:
    from assistant.pipeline import Assistant

    bot = Assistant(_settings(args))
    index = bot.build(progress=_progress)
    print(f"Index {index.version}: {len(index.chunks)} chunks, {len(index.segments)} segments")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    import contextlib

    from assistant.crawl import crawl_source, format_report
    from assistant.sources import SourcesError, load_sources, pick_sources

    settings = _settings(args)
    try:
        sources = pick_sources(load_sources(args.sources), args.source)
    except SourcesError as exc:
        for line in exc.problems:
            print(f"Fel i källfilen: {line}", file=sys.stderr)
        return EXIT_USAGE
    if not sources:
        _progress(f"No enabled source in {args.sources}; nothing to crawl")
        return 0
    reports = [crawl_source(s, settings.corpus_dir, progress=_progress) for s in sources]
    if args.json:
        body = {"sources": [report.as_dict() for report in reports]}
        print(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(format_report(report) for report in reports))
    if args.no_build:
        return 0
    if not any(report.touched for report in reports):
        _progress("No stored page changed; the index is left as it is")
        return 0
    # With --json, standard output carries only the report.
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        return cmd_build(args)


def log_fatal_signals() -> None:
    """A fatal signal (SIGBUS from a build file truncated under a running server, SIGSEGV)
    writes what happened to stderr instead of ending the process without a line, and SIGUSR1
    writes where every thread of a running (or hung) server is, and lets it go on. With
    `--workers`, that is each worker: uvicorn's supervisor takes SIGUSR1 over and ignores it.
    A SIGUSR1 handler the process already has (a program that runs the CLI in-process, as the
    image build's import report does) is kept."""
    import faulthandler
    import signal

    faulthandler.enable(file=sys.stderr, all_threads=False)
    if hasattr(signal, "SIGUSR1") and signal.getsignal(signal.SIGUSR1) == signal.SIG_DFL:
        faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from assistant.api import create_app

    settings = _settings(args)
    configure_logging(logging.INFO if args.verbose else logging.WARNING, settings.log_format)
    log_fatal_signals()
    if settings.workers > 1:
        return _serve_workers(settings)
    bot = _assistant(args)
    _progress(f"Serving on http://{settings.host}:{settings.port} (OpenAPI at /docs)")
    _watch_reload_signal(bot)
    uvicorn.run(create_app(settings, bot), **_uvicorn_options(settings))
    return 0


def _uvicorn_options(settings: Settings) -> dict:
    return dict(
        host=settings.host,
        port=settings.port,
        # uvicorn's own access log would record client addresses and query strings (search
        # text); the app logs requests without them (assistant.middleware.AccessLog).
        access_log=False,
        # Client addresses come from ASSISTANT_TRUSTED_PROXIES only; uvicorn would otherwise
        # believe X-Forwarded-For from any local peer.
        proxy_headers=False,
        log_level="info",
        # Logging is set up by assistant.logs (text or JSON), not by uvicorn's own config.
        log_config=None,
        # SIGTERM (a rolling update) stops taking connections and lets requests in flight
        # finish, for at most this long.
        timeout_graceful_shutdown=settings.shutdown_seconds,
        # Header read timeout and size cap (assistant.edge); uvicorn's own has neither.
        http="assistant.edge:GuardedHttpTools",  # a string: worker processes import it
    )


def _prepare(settings: Settings) -> None:
    """Prepare the model and (re)build a missing or stale index; run in a child process."""
    from assistant.pipeline import Assistant

    try:
        Assistant(settings).warm_up(progress=_progress)
    except AssistantError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        sys.exit(EXIT_ERROR)


def _serve_workers(settings: Settings) -> int:
    """Several worker processes behind one port (uvicorn's supervisor).

    The model and index are prepared once, in a child process that then exits, so the
    workers only load them and the supervisor holds neither. The ONNX weights are
    memory-mapped, so the workers share one copy. SIGHUP makes the supervisor restart the
    workers, which reloads the index. Each worker keeps its own rate-limit buckets and
    concurrency cap.
    """
    import multiprocessing

    import uvicorn

    child = multiprocessing.get_context("spawn").Process(target=_prepare, args=(settings,))
    child.start()
    child.join()
    if child.exitcode != 0:
        _progress("Preparing the model or index failed; see the message above.")
        return EXIT_ERROR
    # The workers read their settings from the environment: pass the CLI overrides on.
    for key in ("corpus_dir", "index_dir", "model", "model_cache_dir"):
        os.environ[f"ASSISTANT_{key.upper()}"] = str(getattr(settings, key))
    # Each worker writes its metrics to files there, and /metrics in any worker adds them up.
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        import tempfile

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="assistant-metrics-")
    _progress(
        f"Serving on http://{settings.host}:{settings.port} with {settings.workers} workers"
        " (OpenAPI at /docs)"
    )
    uvicorn.run(
        "assistant.api:worker_app",
        factory=True,
        workers=settings.workers,
        # How long a worker may take to answer the supervisor's health ping, and a restarted
        # one (SIGHUP) to load the model and index before the restart is given up. uvicorn's
        # 5 s is shorter than a start on a busy machine: the old workers then keep serving the
        # old index, and a worker still importing is killed as hung and started again.
        timeout_worker_healthcheck=settings.worker_start_seconds,
        **_uvicorn_options(settings),
    )
    return 0


def _watch_reload_signal(bot) -> None:  # type: ignore[no-untyped-def]
    """SIGHUP reloads the index from disk (after `assistant build`); a bad one is refused."""
    import signal
    import threading

    def reload() -> None:
        try:
            index = bot.reload()
            _progress(f"Reloaded index {index.version}")
        except AssistantError as exc:
            _progress(f"Reload refused, still serving the old index: {exc}")

    if hasattr(signal, "SIGHUP"):
        signal.signal(
            signal.SIGHUP, lambda *_: threading.Thread(target=reload, daemon=True).start()
        )


def cmd_ask(args: argparse.Namespace) -> int:
    bot = _assistant(args)
    answer = bot.ask(args.question, [])
    if args.json:
        print(json.dumps(asdict(answer), ensure_ascii=False, indent=2))
    else:
        print(render_answer(answer))
    return 0


def render_answer(answer: Answer) -> str:
    """The answer with its sources, for a terminal."""
    lines = [textwrap.fill(answer.answer, 100)]
    if answer.citations:
        lines.append("")
        lines.append("Källor:")
        for c in answer.citations:
            where = f"{c.title} – {c.section}" if c.section else c.title
            lines.append(f"[{c.n}] {where}" + (f" ({c.url})" if c.url else ""))
            lines.append(textwrap.indent(textwrap.fill(" ".join(c.text.split()), 96), "    "))
    return "\n".join(lines)


def cmd_search(args: argparse.Namespace) -> int:
    bot = _assistant(args)
    hits = bot.search(args.query, args.k)
    if not hits:
        print("Inga träffar.")
    for n, hit in enumerate(hits, 1):
        chunk = hit.chunk
        where = f"{chunk.title} – {chunk.section}" if chunk.section else chunk.title
        print(f"{n}. {where}  (poäng {hit.score:.3f})")
        print(textwrap.indent(textwrap.fill(" ".join(chunk.text.split()), 96), "   "))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evaluation import failures, format_report, load_eval, run_eval, score

    items = load_eval(Path(args.file))
    if args.url:
        ask = _remote_ask(args.url)
    else:
        bot = _assistant(args)
        ask = bot.ask
    results = run_eval(items, ask)
    metrics = score(results)
    print(format_report(metrics))
    if args.verbose:
        for line in failures(results):
            print(line)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(metrics, indent=2))
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    import tempfile
    from dataclasses import replace

    import numpy as np

    from assistant.evaluation import load_eval, run_eval, score
    from assistant.fitting import (
        ablation,
        accuracy,
        collect,
        fit,
        fit_answer,
        format_ablation,
        quote_floor,
        yes_floor,
    )
    from assistant.pipeline import Assistant
    from assistant.scoring import DEFAULT_SCORER, Model, Scorer

    # Reading questions and collecting candidates needs no scorer; a cosine one stands in.
    cosine = Model(("dense",), np.zeros(1), np.ones(1), np.ones(1), 0.0)
    stand_in = Scorer(cosine, cosine, 0.5, 0.0, 0.0)
    bot = Assistant(_settings(args), scorer=stand_in)
    bot.warm_up(progress=_progress)
    # Each corpus with its own questions: the main one, then every --corpus DIR FILE….
    groups = [(bot, [item for name in args.files for item in load_eval(Path(name))])]
    with tempfile.TemporaryDirectory(prefix="assistant-fit-") as tmp:
        for n, (folder, *files) in enumerate(args.corpus or []):
            settings = bot.settings.model_copy(
                update={"corpus_dir": Path(folder), "index_dir": Path(tmp) / f"index-{n}"}
            )
            other = Assistant(settings, scorer=stand_in)
            other.embedder = bot.embedder
            other.warm_up(progress=_progress)
            groups.append((other, [item for name in files for item in load_eval(Path(name))]))
        rows = [row for member, items in groups for row in collect(member, items)]
        out = Path(args.out) if args.out else DEFAULT_SCORER
        # A floor refitted alone: the current scorer with that one value fitted anew.
        floors = {"yes_floor": yes_floor, "quote_floor": quote_floor}
        for name, fit_floor in floors.items():
            if getattr(args, f"{name}_only"):
                current = Scorer.load(bot.settings.scorer_file)
                current = replace(current, **{name: fit_floor(rows, current)})
                current.save(out)
                label = name.replace("_", " ")
                print(
                    f"{len(rows)} questions; {label} {getattr(current, name):.3f} written to {out}"
                )
                return 0
        if args.answer_only:
            current = fit_answer(rows, Scorer.load(bot.settings.scorer_file))
            current.save(out)
            print(
                f"{len(rows)} questions; answer model refitted, threshold "
                f"{current.threshold:.3f}, search floor {current.search_floor:.3f}, quote floor "
                f"{current.quote_floor:.3f}, written to {out}"
            )
            return 0
        scorer = fit(rows)
        # The margin for quoting a second sentence: the best term recall on the tuning answers.
        best_second, best_recall = 0.0, -1.0
        for second in (0.0, 0.05, 0.1, 0.2, 0.3):
            results = []
            for member, items in groups:
                member.use_scorer(replace(scorer, second=second))
                results += run_eval(items, member.ask)
            recall = score(results)["term_recall"]
            if recall > best_recall + 1e-9:
                best_second, best_recall = second, recall
    scorer = replace(scorer, second=best_second)
    scorer.save(out)
    fitted = accuracy(rows, scorer, scorer.threshold)
    print(f"{len(rows)} questions, {sum(len(r.labels) for r in rows)} candidate sentences")
    answer_coef = dict(zip(scorer.answer.features, scorer.answer.coef, strict=True))
    print(f"  {'signal':<16} {'rank':>7} {'answer':>7}")
    for name, rank in zip(scorer.rank.features, scorer.rank.coef, strict=True):
        answer = f"{answer_coef[name]:+7.3f}" if name in answer_coef else f"{'-':>7}"
        print(f"  {name:<16} {rank:+7.3f} {answer}")
    print(
        f"threshold {scorer.threshold:.3f}, second within {scorer.second}, "
        f"search floor {scorer.search_floor:.3f}, yes floor {scorer.yes_floor:.3f}, quote floor "
        f"{scorer.quote_floor:.3f}; on these "
        f"questions: answered "
        f"{fitted['answered']:.3f}, refusals {fitted['refused']:.3f}"
    )
    print(f"Scorer written to {out}")
    if args.ablation:
        print(format_ablation(ablation(rows)))
    return 0


def cmd_feedback_export(args: argparse.Namespace) -> int:
    from assistant.feedback import export_csv

    path = _settings(args).feedback_db
    if args.out in (None, "-"):
        count = export_csv(path, sys.stdout)
    else:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            count = export_csv(path, out)
    print(f"{count} omdömen exporterade från {path}", file=sys.stderr)
    return 0


def _remote_ask(base_url: str):  # type: ignore[no-untyped-def]
    """Ask a running service over HTTP instead of in-process."""
    import urllib.request

    from assistant.types import Citation

    def ask(question: str, history: list[Turn]) -> Answer:
        body = json.dumps({"question": question, "history": [asdict(t) for t in history]}).encode()
        request = urllib.request.Request(
            base_url.rstrip("/") + "/api/ask",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                data = json.load(response)
        except (OSError, ValueError) as exc:  # refused, timed out, an HTTP error, not JSON
            raise AssistantError(f"tjänsten på {base_url} svarade inte på en fråga: {exc}") from exc
        return Answer(
            data["answer"],
            data["answered"],
            [Citation(**c) for c in data["citations"]],
            shape=data.get("shape", "answer"),
        )

    return ask


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Södertörnsassistenten: answers about Södertörnssamarbetet with sources.",
        epilog=__doc__.split("Examples:", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--corpus-dir", dest="corpus_dir", type=Path, help="source folder")
    parser.add_argument("--index-dir", dest="index_dir", type=Path, help="index folder")
    parser.add_argument("--model", help="embedding model (name or path)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="build the index from the corpus")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "crawl",
        help="fetch the web sources in sources.toml into the corpus, then rebuild the index",
        description=(
            "Crawl each enabled [[source]] of the sources file into <corpus>/web/<name>/\n"
            "(robots.txt obeyed, unchanged pages not rewritten, vanished pages removed),\n"
            "print what changed, and rebuild the index if any stored page changed."
        ),
        epilog=(
            "examples:\n"
            "  assistant crawl\n"
            "  assistant crawl --source huddinge --no-build\n"
            "  assistant crawl --sources /etc/assistant/sources.toml --json"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--sources", type=Path, default=Path("sources.toml"), help="default: sources.toml"
    )
    p.add_argument("--source", help="crawl only the source with this name")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--no-build", dest="no_build", action="store_true", help="do not rebuild the index"
    )
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("serve", help="serve the HTTP API (builds the index if needed)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, help="server processes (default 1)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("ask", help='ask a question, e.g. assistant ask "Vilka kommuner ingår?"')
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the API's JSON shape")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", help='search passages, e.g. assistant search "stadskärnor"')
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("eval", help="evaluate on a JSON-lines question file")
    p.add_argument("file")
    p.add_argument("--url", help="evaluate a running service, e.g. http://127.0.0.1:8000")
    p.add_argument("--json-out", dest="json_out", help="also write the metrics as JSON")
    p.add_argument("--failures", dest="verbose", action="store_true", help="list misses")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("fit", help="refit the evidence scorer on tuning question sets")
    p.add_argument("files", nargs="+", help="tuning sets (JSON lines), never a held-out set")
    p.add_argument("-o", "--out", help="scorer file to write (default: the packaged one)")
    p.add_argument("--ablation", action="store_true", help="also report what each signal adds")
    only = p.add_mutually_exclusive_group()
    only.add_argument(
        "--yes-floor-only",
        dest="yes_floor_only",
        action="store_true",
        help="keep the current scorer's models and refit only its yes floor",
    )
    only.add_argument(
        "--answer-only",
        dest="answer_only",
        action="store_true",
        help="keep the current scorer's rank model and yes floor; refit its answer model "
        "with its threshold and its search and quote floors",
    )
    only.add_argument(
        "--quote-floor-only",
        dest="quote_floor_only",
        action="store_true",
        help="keep the current scorer and refit only its quote floor",
    )
    p.add_argument(
        "--corpus",
        nargs="+",
        action="append",
        metavar=("DIR", "FILE"),
        help="another corpus folder and its tuning sets, fitted on together (repeatable)",
    )
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("feedback", help="feedback on answers, for staff")
    feedback = p.add_subparsers(dest="feedback_command", required=True)
    p = feedback.add_parser("export", help="write all feedback as CSV, e.g. -o feedback.csv")
    p.add_argument("-o", "--out", help="CSV file to write (default: standard output)")
    p.set_defaults(func=cmd_feedback_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `assistant` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except (ValidationError, SettingsError) as exc:
        for line in settings_errors(exc):
            print(f"Fel i inställningarna: {line}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidQuestion as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AssistantError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
