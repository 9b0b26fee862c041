"""The command line's training commands: ``train``, ``export-model``, and the trained
versions that ``models`` lists. Thin over :mod:`unannotate.services.training`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli import ProjectOption, app, fail
from .cli_output import rows, show, table
from .core.errors import UnannotateError


def _score_cell(scores: dict[str, Any] | None, label: str | None) -> str:
    if not scores:
        return "–"
    entry = scores["overall"] if label is None else scores["per_label"].get(label)
    if entry is None:
        return "-    -    -"
    return f"{entry['precision']:.2f} {entry['recall']:.2f} {entry['f1']:.2f}"


def print_training_report(report: Any) -> None:  # a services.training.TrainingReport
    spans = ", ".join(f"{label} {n}" for label, n in report.spans.items())
    typer.echo(f"{report.what} from {report.layer}: {report.documents} done documents trained "
               f"on ({report.words:,} words; {spans}), {report.held_out} held out")
    typer.echo(f"  negatives: {report.negative_documents} done documents without "
               f"{report.what}, {report.rejected} rejected suggestions"
               + (f"; {report.left_out} spans left out (overlapping, or off token "
                  "boundaries)" if report.left_out else ""))
    for note in report.notes:
        typer.echo(f"  note: {note}")
    if report.after is None:
        typer.echo("  no held-out documents (--eval-fraction 0): no scores")
    else:
        columns = [*report.before.items(), ("new model", report.after)]
        labels = sorted({label for _, scores in columns for label in scores["per_label"]})
        typer.echo(f"  held-out scores, precision recall F1 ({report.held_out} documents"
                   + ("; entities: overlap match" if report.what == "entities" else
                      "; per sentence") + "):")
        show(rows(table("label", *(f">{name}" for name, _ in columns)),
                  ([label or "all", *(_score_cell(scores, label) for _, scores in columns)]
                   for label in [*labels, None])))
    typer.echo(f"  registered {report.suggester} ({report.seconds:.1f} s); "
               "`unannotate suggest` uses it now")
    if report.after is not None:
        ahead = [name for name, scores in report.before.items()
                 if scores["overall"]["f1"] > report.after["overall"]["f1"]]
        if ahead:
            name, _, pipeline = ahead[0].partition(":")
            option = f"--suggester {name}" + (f" --model {pipeline}" if pipeline else "")
            typer.echo(f"  note: on the held-out documents the new model is behind "
                       f"{', '.join(ahead)}; review more documents, or keep suggesting with "
                       f"`unannotate suggest {option}`")


WhatOption = Annotated[str, typer.Option(help="What to train: entities, claims, or both.")]
BaseOption = Annotated[str, typer.Option(
    help="Entities: resume the ner of this installed spaCy pipeline (name or folder), or "
    "blank.")]

ClaimModelOption = Annotated[str, typer.Option(
    help="Claims: regression (the rules' features and the words; fast, no dependency) or "
    "encoder (fine-tune a pretrained sentence encoder: learns more from few sentences, "
    "needs the encoder extra: pip install 'unannotate[encoder]').")]
EncoderOption = Annotated[str | None, typer.Option(
    help="With --claim-model encoder: the folder of a pretrained encoder saved by "
    "transformers (default: the packaged all-MiniLM-L6-v2).", show_default=False)]
EncoderSecondsOption = Annotated[float, typer.Option(
    help="With --claim-model encoder: stop fine-tuning after this many seconds (350 "
    "sentences take about a minute on two cores).")]


@app.command()
def train(
    project: ProjectOption = None,
    layer: Annotated[str | None, typer.Option(
        help="Train from this layer: gold or an annotator's name (default: gold when it "
        "has done documents, else the only annotator who has).", show_default=False)] = None,
    what: WhatOption = "entities,claims",
    base: BaseOption = "blank",
    eval_fraction: Annotated[float, typer.Option(
        help="Share of the done documents held out to score the new model and the current "
        "suggesters.")] = 0.2,
    seed: Annotated[int, typer.Option(help="Seed of the held-out split and of training.")] = 1,
    max_seconds: Annotated[float, typer.Option(
        help="Stop updating after this many seconds (scoring comes on top).")] = 60.0,
    claim_model: ClaimModelOption = "regression",
    encoder: EncoderOption = None,
    encoder_seconds: EncoderSecondsOption = 600.0,
) -> None:
    """Train suggesters from the documents marked done in a layer: its spans are positives,
    done documents without spans and rejected suggestions negatives. Each kind is
    registered as a new suggester version beside the project; older versions stay."""
    from .services.training import TrainingOptions
    from .services.training import train as run_training

    options = TrainingOptions(layer=layer, what=_kinds(what), base=base,
                              eval_fraction=eval_fraction, seed=seed, max_seconds=max_seconds,
                              claim_model=claim_model, encoder=encoder,
                              encoder_seconds=encoder_seconds)
    reports = _with_progress(project, lambda opened, progress: run_training(
        opened, options, progress=progress),
        lambda p: f"{p.message.split(':')[0]} {p.stage}")
    for report in reports:
        print_training_report(report)


def _kinds(what: str) -> list[str]:
    return [w.strip() for w in what.split(",") if w.strip()]


def _with_progress(project: str | None, run: Any, key_of: Any) -> Any:
    """``run(opened project, progress)`` with progress bars on standard error (one per
    ``key_of(progress)``), and the errors and Ctrl+C of training said on one line."""
    from tqdm import tqdm

    from .services.project import open_project

    bars: dict[str, Any] = {}

    def progress(p: Any) -> None:
        key = key_of(p)
        bar = bars.get(key)
        if bar is None:
            for other in bars.values():
                other.close()
            bar = bars[key] = tqdm(total=p.total, desc=key, file=sys.stderr, disable=None,
                                   unit="step")
        bar.total = p.total
        bar.n = p.done
        bar.refresh()

    def close() -> None:
        for bar in bars.values():
            bar.close()

    with open_project(project, create=False) as opened:
        try:
            result = run(opened, progress)
        except UnannotateError as error:
            close()
            fail(str(error))
        except KeyboardInterrupt:
            close()
            typer.echo("interrupted: nothing half-registered; the previous version stays "
                       "current", err=True)
            raise typer.Exit(130) from None
    close()
    return result


@app.command("train-curve")
def train_curve(
    project: ProjectOption = None,
    layer: Annotated[str | None, typer.Option(
        help="Train from this layer: gold or an annotator's name (default: as `train` "
        "chooses).", show_default=False)] = None,
    what: WhatOption = "entities,claims",
    base: BaseOption = "blank",
    eval_fraction: Annotated[float, typer.Option(
        help="Share of the done documents held out to score every point.")] = 0.2,
    seed: Annotated[int, typer.Option(help="Seed of the held-out split, of the order of the "
                                      "documents and of training.")] = 1,
    points: Annotated[int, typer.Option(
        min=2, max=10, help="Points of the curve: 4 trains on a quarter, a half, three "
        "quarters and all of the documents not held out.")] = 4,
    max_seconds: Annotated[float, typer.Option(
        help="Stop updating each point's model after this many seconds.")] = 60.0,
    claim_model: ClaimModelOption = "regression",
    encoder: EncoderOption = None,
    encoder_seconds: EncoderSecondsOption = 600.0,
) -> None:
    """Would reviewing more documents help? Train on growing parts of the done documents
    and score each model, and the current suggesters, on the same held-out documents.
    Nothing is registered."""
    from .services.training import TrainingOptions
    from .services.training import train_curve as run_curve

    options = TrainingOptions(layer=layer, what=_kinds(what), base=base,
                              eval_fraction=eval_fraction, seed=seed, max_seconds=max_seconds,
                              claim_model=claim_model, encoder=encoder,
                              encoder_seconds=encoder_seconds)
    shares = [round(i / points, 4) for i in range(1, points + 1)]
    curves = _with_progress(project, lambda opened, progress: run_curve(
        opened, options, shares, progress=progress),
        lambda p: f"{p.message.split(':')[0]} learning curve")
    for layer_name, curve in curves:
        print_curve(curve, layer_name)


def print_curve(curve: Any, layer: str) -> None:  # a nlp.training_curve.Curve
    last = curve.points[-1]
    typer.echo(f"{curve.what} from {layer}: {last.documents} done documents to train on, "
               f"{curve.held_out} held out; F1 on the held-out documents"
               + (" (overlap match)" if curve.what == "entities" else " (per sentence)")
               + ", nothing registered:")
    columns = [f">{p.share:.0%} ({p.documents})" for p in curve.points]
    now = list(curve.before)
    shown = table("label", *columns, *(f">now: {name}" for name in now))

    def cell(evaluation: Any, label: str | None) -> str:
        if evaluation is None:
            return "–"
        score = evaluation.overall if label is None else evaluation.per_label.get(label)
        return f"{score.f1:.2f}" if score is not None else "–"

    for label in [*curve.labels, None]:
        shown.add_row(label or "all", *(cell(p.evaluation, label) for p in curve.points),
                      *(cell(curve.before[name], label) for name in now))
    shown.add_row("seconds", *(f"{p.seconds:.1f}" for p in curve.points), *("" for _ in now))
    if any(p.passes is not None for p in curve.points):
        shown.add_row("passes", *("–" if p.passes is None else f"{p.passes:g}"
                                  for p in curve.points), *("" for _ in now))
    show(shown)
    for point in curve.points:
        if point.evaluation is None:
            typer.echo(f"  {point.share:.0%} ({point.documents} documents): not trained, "
                       f"{point.skipped}")
    if curve.unmarked():
        typer.echo(f"  {curve.unmarked()}")
    typer.echo(f"  {curve.verdict()}")


def print_trained_versions(project: str | None) -> None:
    from .services.project import open_project
    from .services.training import trained_versions

    try:
        with open_project(project, create=False) as opened:
            versions = trained_versions(opened)
    except UnannotateError:
        typer.echo("trained versions: none (no project)")
        return
    if not versions:
        typer.echo("trained versions: none yet (unannotate train)")
        return
    newest = {v.what: v.id for v in versions}
    shown = table("", "version", "kind", "registered", ">documents", ">words", "held-out scores",
                  "from", title="trained versions (newest of each kind used by suggest, *):",
                  indent=False)
    for version in reversed(versions):
        info = version.info
        data = info.get("data", {})
        overall = (info.get("scores") or {}).get("overall")
        score = (f"P {overall['precision']:.2f} R {overall['recall']:.2f} "
                 f"F1 {overall['f1']:.2f} on {data.get('held_out', 0)} documents"
                 if overall else "none")
        base = info.get("settings", {}).get("base")
        encoder = (info.get("claim_model") or "").partition("encoder:")[2]
        shown.add_row("*" if newest.get(version.what) == version.id else "", version.id,
                      version.what, f"{version.registered_at[:19]}Z",
                      str(data.get("documents", 0)), f"{data.get('words', 0):,}", score,
                      info.get("source", {}).get("layer", "?") + (f", base {base}" if base else "")
                      + (f", fine-tuned {encoder}" if encoder else ""))
    show(shown)


@app.command("export-model")
def export_model(
    version: Annotated[str, typer.Argument(help="A trained version's id (see `unannotate "
                                           "models`), or a trained suggester's name for its "
                                           "newest version.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The folder to write (new "
                                         "or empty).", show_default=False)],
    project: ProjectOption = None,
) -> None:
    """Write a trained version as a spaCy pipeline folder: `spacy.load` reads it and
    `spacy package` packages it; its meta.json names the labels, data size and scores."""
    from .services.pipelines import export_trained
    from .services.project import open_project

    with open_project(project, create=False) as opened:
        try:
            reference, written = export_trained(opened, version, output)
        except UnannotateError as error:
            fail(str(error))
        except OSError as error:
            fail(f"could not write {output}: {error.strerror or error}")
    typer.echo(f"wrote {reference} to {written} (spacy.load({str(written)!r}))")
