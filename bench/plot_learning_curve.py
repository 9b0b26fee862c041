"""Draw the learning curve that ``learning_curve.py`` measured, as a PNG for docs/.

Reads the last JSON line of each file given (the output of ``learning_curve.py``, whole or
with ``--only entities`` / ``--only claims`` in separate files; later files add to and
override earlier ones) and draws two panels: entity overlap F1 against reviewed paragraphs
(trained from blank, resumed from a pipeline, the rules and the bare pipeline as level
lines, the goals dashed) and claim sentence F1 against reviewed sentences (the regression
and, when measured, the fine-tuned encoder; the rules, the goal).

Usage:
    .venv/bin/python bench/learning_curve.py --only entities > /tmp/entities.txt
    .venv/bin/python bench/learning_curve.py --only claims > /tmp/claims.txt
    .venv/bin/python bench/plot_learning_curve.py /tmp/entities.txt /tmp/claims.txt \\
        -o docs/learning_curve.png

matplotlib is a development dependency (``pip install -e .[dev]``), not the program's.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# The goals the curve is measured against (docs/BENCHMARKS.md).
ENTITY_GOAL_BLANK = 0.62
ENTITY_GOAL_BASE = 0.70
CLAIM_GOAL = 0.78


def last_json(path: Path) -> dict[str, Any]:
    """The last line of ``path`` that is a JSON object."""
    for line in reversed(path.read_text("utf-8").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    raise SystemExit(f"{path}: no JSON line (the output of learning_curve.py is needed)")


def _points(curve: Mapping[str, float] | None) -> tuple[list[int], list[float]]:
    if not curve:
        return [], []
    pairs = sorted((int(k), float(v)) for k, v in curve.items())
    return [k for k, _ in pairs], [v for _, v in pairs]


def draw(figures: Mapping[str, Any], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), dpi=110)

    xs, ys = _points(figures.get("entities_f1_at"))
    if xs:
        left.plot(xs, ys, "o-", color="#1f77b4", label="trained from blank")
    xs_b, ys_b = _points(figures.get("entities_base_f1_at"))
    if xs_b:
        left.plot(xs_b, ys_b, "s-", color="#2ca02c", label="resumed from en_core_web_sm")
    if figures.get("rules_entities_f1") is not None:
        left.axhline(figures["rules_entities_f1"], color="#7f7f7f", label="built-in rules")
    if figures.get("bare_pipeline_entities_f1") is not None:
        left.axhline(figures["bare_pipeline_entities_f1"], color="#bcbd22",
                     label="bare en_core_web_sm")
    left.axhline(ENTITY_GOAL_BLANK, color="#1f77b4", linestyle=":", label="goal, blank")
    left.axhline(ENTITY_GOAL_BASE, color="#2ca02c", linestyle=":", label="goal, resumed")
    left.set_title("Entities (re3d news, held-out documents)")
    left.set_xlabel("reviewed paragraphs")
    left.set_ylabel("overlap F1")

    xs_c, ys_c = _points(figures.get("claims_f1_at"))
    if xs_c:
        right.plot(xs_c, ys_c, "o-", color="#d62728", label="trained (regression)")
    xs_e, ys_e = _points(figures.get("claims_encoder_f1_at"))
    if xs_e:
        right.plot(xs_e, ys_e, "s-", color="#9467bd", label="fine-tuned encoder")
    if figures.get("rules_claims_f1") is not None:
        right.axhline(figures["rules_claims_f1"], color="#7f7f7f", label="built-in rules")
    right.axhline(CLAIM_GOAL, color="#d62728", linestyle=":", label="goal")
    right.set_xscale("log")
    if xs_c or xs_e:
        ticks = sorted({*xs_c, *xs_e})
        right.set_xticks(ticks, [str(x) for x in ticks])
    right.set_title("Claims (debate sentences, held out)")
    right.set_xlabel("reviewed sentences")
    right.set_ylabel("sentence F1")

    values = [*ys, *ys_b, *ys_c, *ys_e]
    bottom = min([0.3, *(v - 0.05 for v in values)])
    for axes in (left, right):
        axes.set_ylim(max(0.0, bottom), 0.9)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outputs", nargs="+", type=Path,
                        help="files holding learning_curve.py's output")
    parser.add_argument("-o", "--out", type=Path, default=Path("docs/learning_curve.png"))
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {}
    for path in args.outputs:
        figures.update(last_json(path))
    if not any(k in figures for k in ("entities_f1_at", "claims_f1_at")):
        raise SystemExit("no curve in the files given (entities_f1_at or claims_f1_at)")
    print(f"wrote {draw(figures, args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
