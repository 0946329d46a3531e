"""(Kept as the record of the split; the writers' files lay outside the repo in /work/qwrite.)
Split the two writers' questions into tuning and held-out halves, stratified by writer,
kind and yes/no, with a fixed seed. Run once, before any result on them was looked at."""
import json, random, collections
rows = []
for name in ("writer_a", "writer_b"):
    for line in open(f"/work/qwrite/{name}.jsonl", encoding="utf-8"):
        if line.strip():
            rows.append((name, json.loads(line)))
groups = collections.defaultdict(list)
for name, r in rows:
    key = (name, r["kind"], r.get("yes_no") is not None, bool(r.get("history")))
    groups[key].append(r)
rng = random.Random(20261201)
tune, held = [], []
for key in sorted(groups, key=str):
    g = groups[key]
    rng.shuffle(g)
    half = len(g) // 2 + (len(g) % 2 if rng.random() < 0.5 else 0)
    tune += g[:half]; held += g[half:]
order = {r["id"]: i for i, (_, r) in enumerate(rows)}
for path, part in (("eval/tune4.jsonl", tune), ("eval/holdout2.jsonl", held)):
    part.sort(key=lambda r: order[r["id"]])
    with open(path, "w", encoding="utf-8") as out:
        for r in part:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(path, len(part), collections.Counter(r["kind"] for r in part), sum(r.get("yes_no") is not None for r in part))
