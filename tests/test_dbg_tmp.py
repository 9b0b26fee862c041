import sys
sys.path.insert(0, "tests")
from test_review_window import *
def test_dbg(qtbot, tmp_path):
    project, doc_id = build(tmp_path)
    window = open_window(qtbot, project)
    view = window.view
    seen = press_in_dialog(qtbot, Qt.Key.Key_Return)
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    print("seen", seen)
    from PySide6.QtWidgets import QApplication
    print("active", QApplication.activeWindow(), "focus", QApplication.focusWidget(), "modal", QApplication.activeModalWidget())
    window.activateWindow()
    qtbot.wait(50)
    print("active", QApplication.activeWindow(), "focus", QApplication.focusWidget())
    calls=[]
    orig = window.mark_done
    window.qactions["settle.done"].triggered.connect(lambda: calls.append(1))
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    print("calls", calls, window.qactions["settle.done"].isEnabled())
