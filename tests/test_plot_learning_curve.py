"""The learning curve's plot: drawn from learning_curve.py's JSON lines, clear when none."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import plot_learning_curve  # noqa: E402

pytest.importorskip("matplotlib")  # a development dependency, installed by ./dev

ENTITIES = {"rules_entities_f1": 0.61, "bare_pipeline_entities_f1": 0.55,
            "entities_f1_at": {"10": 0.4, "25": 0.52, "50": 0.66},
            "entities_base_f1_at": {"10": 0.56, "25": 0.58, "50": 0.69},
            "train_seconds_50": 40.0}
CLAIMS = {"rules_claims_f1": 0.69, "claims_f1_at": {"100": 0.1, "350": 0.71, "1000": 0.72}}


def _output(path: Path, figures: dict[str, object]) -> Path:
    path.write_text("scores per label ...\nnot json {\n" + json.dumps(figures) + "\n", "utf-8")
    return path


def test_the_last_json_lines_of_both_runs_make_one_picture(tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    out = tmp_path / "docs" / "curve.png"
    assert plot_learning_curve.main([str(_output(tmp_path / "e.txt", ENTITIES)),
                                     str(_output(tmp_path / "c.txt", CLAIMS)),
                                     "-o", str(out)]) == 0
    image = QImage(str(out))
    assert not image.isNull() and image.width() > 800 and image.height() > 300
    # Not blank: the curves' colours are on it.
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 4)
               for y in range(0, image.height(), 4)}
    assert len(colours) > 20


def test_the_fine_tuned_encoders_curve_is_drawn_when_measured(tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    def purple(figures: dict[str, object], name: str) -> int:
        out = tmp_path / f"{name}.png"
        plot_learning_curve.main([str(_output(tmp_path / f"{name}.txt", figures)),
                                  "-o", str(out)])
        image = QImage(str(out))
        return sum(1 for x in range(image.width()) for y in range(image.height())
                   if image.pixelColor(x, y).name() == "#9467bd")

    assert purple(CLAIMS, "without") == 0
    assert purple({**CLAIMS, "claims_encoder_f1_at": {"100": 0.73, "350": 0.77}},
                  "with") > 100


def test_a_file_without_a_curve_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "x.txt"
    empty.write_text("nothing\n", "utf-8")
    with pytest.raises(SystemExit, match="x.txt: no JSON line"):
        plot_learning_curve.main([str(empty), "-o", str(tmp_path / "o.png")])
    with pytest.raises(SystemExit, match="no curve"):
        plot_learning_curve.main([str(_output(tmp_path / "s.txt", {"speed": 1})),
                                  "-o", str(tmp_path / "o.png")])
    assert not (tmp_path / "o.png").exists()
