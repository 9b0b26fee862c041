"""Long work on worker threads for the review window: import, export, bringing in a
colleague's work, suggesting. Each shows a progress dialog that can cancel, keeps the window
usable, and says what it did in the status bar (and what it could not, in a box that does
not block)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QProgressDialog

from .workers import Worker, start


class BackgroundJobs:
    """Mixin for the review window (listed before ``QMainWindow``). The window provides
    ``project``, ``reviewer``, ``document``, ``documents``, ``reload_documents``,
    ``reload_current``, ``open_document`` and ``show_error``."""

    busy: bool = False
    export_report_box: QMessageBox | None = None
    unmatched_box: QMessageBox | None = None
    project: Any
    reviewer: Any
    document: Any
    documents: Any

    def import_documents(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import documents", "",
            "Documents (*.txt *.md *.html *.htm *.pdf *.docx *.jsonl);;All files (*)")
        if paths:
            self.run_import(paths)

    def import_samples(self) -> Worker | None:
        """The program's sample documents (UN-style statements and news), into this project."""
        from ..resources import sample_dir

        folder = sample_dir()
        if not folder.is_dir():
            message = f"No sample documents here ({folder} does not exist)."
            self.show_error(message)  # type: ignore[attr-defined]
            return None
        return self.run_import([str(folder)])

    def run_import(self, paths: list[str]) -> Worker:
        from ..services.find import bring_index_up_to_date
        from ..services.importing import import_paths, list_files

        files = list_files(paths)
        dialog = self._progress("Importing documents…", len(files))
        worker: Worker

        def work(progress):  # type: ignore[no-untyped-def]
            count = 0

            def on_file(_path: Path) -> None:
                nonlocal count
                if worker.cancelled:
                    raise KeyboardInterrupt
                count += 1
                progress(count, len(files))

            try:
                report = import_paths(self.project, paths, annotator=self.reviewer.annotator,
                                      files=files, on_file=on_file)
            except KeyboardInterrupt:
                return None
            # The new documents into the full-text index while the dialog is up, so that the
            # first search after the import is as fast as any (a cancel stops it between
            # steps; the search reads what is not indexed yet).
            bring_index_up_to_date(self.project, cancelled=lambda: worker.cancelled)
            return report

        def done(report) -> None:  # type: ignore[no-untyped-def]
            dialog.close()
            self.busy = False
            self.reload_documents()
            if report is None:
                self.statusBar().showMessage("Import cancelled: files finished before are kept.",
                                             8000)
                return
            message = (f"{report.new} new, {report.duplicates} duplicates, "
                       f"{len(report.rejected)} rejected")
            if report.rejected:
                QMessageBox.information(self, "Import", message + "\n\n" + "\n".join(
                    str(e) for e in report.rejected[:20]))
            self.statusBar().showMessage(message, 10000)
            if self.document is None and self.documents.rows:
                self.open_document(self.documents.rows[0].id)

        worker = Worker(work)
        return self._run(worker, dialog, done)

    def export_project(self) -> None:
        from ..services.annotation_files import FORMATS, layer_choices
        from .dialogs import ExportDialog

        dialog = ExportDialog([(spec.name, spec.title) for spec in FORMATS.values()],
                              layer_choices(self.project), self.reviewer.annotator, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if dialog.writes_folder():
            out = QFileDialog.getExistingDirectory(self, "Export into folder")
        else:
            out, _ = QFileDialog.getSaveFileName(self, "Export", "")
        if out:
            self.run_export(out, fmt=dialog.chosen_format(), layer=dialog.chosen_layer(),
                            only_done=dialog.only_done.isChecked(), options=dialog.options())

    def run_export(self, out: str, *, fmt: str, layer: str | None, only_done: bool = False,
                   options: dict[str, object] | None = None) -> Worker:
        """Export on a worker thread; the window says what was written and what was not."""
        from ..services.annotation_files import export_annotations

        dialog = self._progress("Exporting…", 0)

        def work(_progress):  # type: ignore[no-untyped-def]
            return export_annotations(self.project, out, fmt=fmt, layer=layer,
                                      only_done=only_done, options=options)

        def done(reports) -> None:  # type: ignore[no-untyped-def]
            dialog.close()
            self.busy = False
            documents = sum(r.written.documents for r in reports)
            spans = sum(sum(r.written.spans.values()) for r in reports)
            message = f"Exported {documents} documents, {spans} spans to {out}"
            dropped: dict[str, list[str]] = {}
            for report in reports:
                for item in report.written.dropped:
                    dropped.setdefault(item.why, []).append(f"{item.where}: {item.what}")
            self.statusBar().showMessage(message, 10000)
            if dropped:
                # Not modal: the window stays usable while the reviewer reads it.
                box = QMessageBox(QMessageBox.Icon.Information, "Export", message, parent=self)
                box.setTextFormat(Qt.TextFormat.PlainText)
                box.setInformativeText("Not written:\n" + "\n".join(
                    f"{len(items)} × {why} (e.g. {items[0]})"
                    for why, items in sorted(dropped.items(), key=lambda kv: -len(kv[1]))[:12]))
                box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                box.setModal(False)
                box.show()
                self.export_report_box = box

        return self._run(Worker(work), dialog, done)

    def bring_in_colleague(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Bring in a colleague's work", "",
            "Projects and exports (*.db *.jsonl *.json *.spacy *.conll *.txt);;All files (*)")
        if path:
            self.run_bring_in(path)

    def run_bring_in(self, path: str, *, rename: str | None = None) -> Worker:
        """A colleague's project file or export, as their layer, on a worker thread."""
        from ..services.colleague import bring_in

        dialog = self._progress("Bringing in a colleague's work…", 0)

        def work(_progress):  # type: ignore[no-untyped-def]
            return bring_in(self.project, path, rename=rename)

        def done(report) -> None:  # type: ignore[no-untyped-def]
            dialog.close()
            self.busy = False
            self.reload_documents()
            layers = ", ".join(f"{layer} ({sum(c.values())} spans)"
                               for layer, c in report.spans.items()) or "no spans"
            message = (f"Brought in {layers} on {report.documents_matched} documents; "
                       f"{len(report.unmatched)} of their documents are not in this project")
            self.statusBar().showMessage(message, 12000)
            if report.unmatched:
                box = QMessageBox(QMessageBox.Icon.Information, "Documents not matched",
                                  message, parent=self)
                box.setTextFormat(Qt.TextFormat.PlainText)
                box.setInformativeText(
                    "These documents' texts are not in this project (matched by their "
                    "exact text), so their annotations were left out:\n" + "\n".join(
                        f"{title or '(untitled)'}  {sha[:12]}"
                        for title, sha in report.unmatched[:20])
                    + (f"\n… and {len(report.unmatched) - 20} more"
                       if len(report.unmatched) > 20 else ""))
                box.setModal(False)
                box.show()
                self.unmatched_box = box

        return self._run(Worker(work), dialog, done)

    def suggest_all(self, names: list[str] | None = None) -> Worker:
        """Every suggester over the documents it has not seen; with ``names`` (trained
        versions), those, replacing the pending suggestions of documents not done."""
        from ..services.suggesting import build_suggesters, run_suggester

        dialog = self._progress("Suggesting entities and claims…", 0)
        worker: Worker

        def work(progress):  # type: ignore[no-untyped-def]
            total = 0
            reports = []
            # Built here, on the worker: a trained version loads spaCy. As the suggest
            # command: by default the newest trained version of each kind, if any.
            suggesters = build_suggesters(names, project=self.project)
            for suggester in suggesters:
                done_count = 0

                def step(n: int) -> None:
                    nonlocal done_count
                    if worker.cancelled:
                        raise KeyboardInterrupt
                    done_count += n
                    progress(done_count, total)

                def set_total(n: int) -> None:
                    nonlocal total
                    total = n

                try:
                    reports.append(run_suggester(self.project, suggester, on_documents=step,
                                                 on_total=set_total))
                except KeyboardInterrupt:
                    return None
            return reports

        def done(reports) -> None:  # type: ignore[no-untyped-def]
            dialog.close()
            self.busy = False
            self.reload_documents()
            self.reload_current()
            if reports and names:
                self.statusBar().showMessage(
                    f"Re-suggested {max(r.documents for r in reports)} documents with the new "
                    f"version: {sum(r.replaced for r in reports)} pending suggestions "
                    f"replaced, {max(r.skipped_done for r in reports)} done documents left "
                    "alone.", 12000)

        worker = Worker(work)
        return self._run(worker, dialog, done)

    def _suggest_missing(self, document_id: int) -> None:
        """Suggestions for one document, made on a worker thread (spaCy loads there)."""
        from ..services.suggesting import build_suggesters, suggest_document

        worker = Worker(lambda _progress: suggest_document(self.project, document_id,
                                                           build_suggesters(
                                                               project=self.project)))

        def done(ran: int) -> None:
            if ran and self.document is not None and self.document.id == document_id:
                self.reload_current()

        worker.signals.done.connect(done)
        worker.signals.failed.connect(lambda message: self.statusBar().showMessage(
            f"Suggestions failed: {message}", 10000))
        self._suggest_worker = worker
        start(worker)

    def _progress(self, title: str, total: int) -> QProgressDialog:
        dialog = QProgressDialog(title, "Cancel", 0, total, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        return dialog

    def _run(self, worker: Worker, dialog: QProgressDialog, done) -> Worker:  # type: ignore[no-untyped-def]
        self.busy = True

        def cancel() -> None:
            worker.cancelled = True

        def progress(n: int, total: int) -> None:
            if total:
                dialog.setMaximum(total)
            dialog.setValue(n)

        def failed(message: str) -> None:
            dialog.close()
            self.busy = False
            self.show_error(message)

        dialog.canceled.connect(cancel)
        worker.signals.progress.connect(progress)
        worker.signals.done.connect(done)
        worker.signals.failed.connect(failed)
        self._current_worker = worker
        start(worker)
        return worker
