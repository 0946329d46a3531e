"""`python -m benchmarks`: the benchmark tables, measured in this run on this machine."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path

from assistant.config import get_settings
from assistant.embeddings import SentenceTransformerEmbedder, prepare_model
from benchmarks import faq


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--json-out", type=Path, default=Path("benchmarks/results/faq.json"))
    args = parser.parse_args(argv)
    settings = get_settings()
    path, model_id = prepare_model(settings.model, settings.model_cache_dir)
    embedder = SentenceTransformerEmbedder(path, model_id=model_id)
    embedder.warm_up()
    result = faq.run(embedder, model_path=path)
    print(faq.format_table(result))
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    serial = {
        k: (
            {n: asdict(m) for n, m in v.items()}
            if k == "rows"
            else asdict(v)
            if is_dataclass(v)
            else v
        )
        for k, v in result.items()
    }
    args.json_out.write_text(json.dumps(serial, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
