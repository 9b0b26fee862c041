"""Guards against a known fault of the Qt binding.

PySide6 6.12.0 on Python 3.11 aborts the interpreter (``Fatal Python error: none_dealloc``)
after a few thousand calls of Qt methods that return nothing. The dependency marker keeps
such a release away; this test catches the next release with the same fault. It runs in a
child process because the fault kills the interpreter outright.
"""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
obj = QObject()
for i in range(50_000):
    label.setText("x")       # returns None
    obj.setObjectName("y")   # returns None
print("ok")
"""


def test_many_calls_of_qt_methods_returning_none() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
