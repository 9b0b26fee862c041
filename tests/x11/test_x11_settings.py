"""Settings as a person changes them: the real program on an X server, Ctrl+, typed, Alt+L to
the box choosing how Improve suggestions learns claims, Down, Return; the choice is read back
from the settings file. Where the encoder extra is installed the fine-tuned encoder is chosen;
where it is not, its entry is disabled, Down finds nothing to move to, and the regression
stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from driver import wait_for
from seed import STATEMENT, STATEMENT_SUGGESTIONS, make_project

from unannotate.services.training import encoder_unavailable

pytestmark = [pytest.mark.x11, pytest.mark.slow]


def test_settings_choose_how_claims_are_learned(  # type: ignore[no-untyped-def]
        start_program, tmp_path: Path, screenshots: Path) -> None:
    path = make_project(tmp_path / "project", [(STATEMENT, STATEMENT_SUGGESTIONS)])
    program = start_program("--project", str(path), "--annotator", "ana")
    program.window()
    program.keys("ctrl+comma")
    dialog = wait_for(lambda: (program.windows("Settings") or [None])[0],
                      what="the settings dialog after Ctrl+,")
    program.keys("alt+l", "Down", window=dialog)
    program.screenshot(screenshots / "settings-claims.png")
    program.keys("Return", window=dialog)
    wait_for(lambda: not program.windows("Settings") or None, what="the settings dialog closed")
    saved = wait_for(lambda: program.settings_path.is_file() and json.loads(
        program.settings_path.read_text(encoding="utf-8")) or None, what="the settings saved")
    assert saved["claim_model"] == ("encoder" if encoder_unavailable() is None
                                    else "regression")
