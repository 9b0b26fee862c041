"""An exported ``.spacy`` train/dev split works with spaCy's own tools.

A project of short invented UN-news-like documents (emoji and CRLF among them), annotated by
"ana", is exported with ``fmt="spacy"`` and a dev fraction; spaCy's CLI then generates a config
for a blank English pipeline (offline: no vectors, no pretrained model), checks the data with
``spacy debug data`` and trains for a few steps with ``spacy train``. The trained pipeline must
load and run. Every spaCy command runs in a subprocess with a minimal environment and a
``sitecustomize`` that refuses network connections.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from sqlalchemy import select

from unannotate.services.annotation_files import export_annotations
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import open_project
from unannotate.storage.schema import DocumentRow

# Markup: ``[words|LABEL]`` is an entity, ``{...}`` the document's claim (entities may sit
# inside it). Forty short documents, each with entities and one claim.
BASES = [
    "{[UNICEF|ORG] appealed for [$1.2 billion|MONEY] on [4 March 2025|DATE].} The appeal "
    "covers [Sudan|GPE] and [Chad|GPE].",
    "{[Amina Okafor|PERSON] arrived in [Nairobi|GPE] on [Monday|DATE].} She met staff of "
    "[UNEP|ORG].",
    "{The [Security Council|ORG] extended the mission in [Mali|GPE] until [30 June 2026|DATE].}",
    "🌍 {[WHO|ORG] reported 1,200 new cholera cases in [Haiti|GPE] last week.} 💉 Vaccines "
    "arrive in [May|DATE].",
    "{[Lars Henriksen|PERSON] welcomed the ceasefire in [Gaza|GPE].}\r\nTalks resume in "
    "[Cairo|GPE] on [Thursday|DATE].\r\n",
    "{[WFP|ORG] needs [$300 million|MONEY] to feed families in [Yemen|GPE].} Stocks run out "
    "in [August|DATE].",
    "{[Kenya|GPE] pledged [$12 million|MONEY] to the [Green Climate Fund|ORG].} The pledge "
    "was made on [2 April 2025|DATE].",
    "{[UNHCR|ORG] counted 40,000 new arrivals in [Uganda|GPE] since [January|DATE].} 😟",
    "{[Maria Lindqvist|PERSON] told the [General Assembly|ORG] that aid must reach "
    "[Afghanistan|GPE].}",
    "{The [World Bank|ORG] approved a [$500 million|MONEY] loan for [Bangladesh|GPE].} "
    "Repayment starts in [2030|DATE].",
    "{[Ghana|GPE] and [Peru|GPE] voted in favour of the resolution on [Tuesday|DATE].}\r\n"
    "[Russia|GPE] abstained.\r\n",
    "{[Tomás Aguilar|PERSON] of [UNDP|ORG] visited [Bogotá|GPE] in [February|DATE].}",
    "{[UNESCO|ORG] added three sites in [Italy|GPE] to its list.} 🏛️ The vote took place in "
    "[July|DATE].",
    "{[IOM|ORG] said [Libya|GPE] still holds 5,000 migrants in detention.} Its chief, "
    "[Hana Sato|PERSON], called for their release.",
    "{[Norway|GPE] gave [$45 million|MONEY] to [UNRWA|ORG] on [15 January 2025|DATE].}",
    "{[Rafael Costa|PERSON] said [Brazil|GPE] would host the climate talks in [2025|DATE].}",
    "{The [Human Rights Council|ORG] opened its session in [Geneva|GPE] on [24 February|DATE].}"
    " 🕊️",
    "{[FAO|ORG] warned that locusts threaten crops in [Ethiopia|GPE] and [Somalia|GPE].} "
    "Spraying costs [$8 million|MONEY].",
    "{[Fatima Diallo|PERSON] led the [UN|ORG] delegation to [Dakar|GPE].}\r\nShe returns on "
    "[Friday|DATE].\r\n",
    "{[Japan|GPE] announced [$20 million|MONEY] for demining in [Ukraine|GPE].} The money "
    "goes through [UNDP|ORG].",
    "{[OCHA|ORG] said floods displaced 90,000 people in [Mozambique|GPE] in [March|DATE].}",
    "{[Elena Petrova|PERSON] presented the report to the [Security Council|ORG] on "
    "[10 April 2025|DATE].} 📄",
    "{[ILO|ORG] found that youth unemployment in [Spain|GPE] fell in [2024|DATE].}",
    "{[Canada|GPE] and [Mexico|GPE] signed the compact in [New York|GPE].} [Ahmed Nasser|PERSON]"
    " witnessed it.",
    "{[UN Women|ORG] raised [$3 million|MONEY] for shelters in [Nepal|GPE].} The campaign ended "
    "on [Sunday|DATE].",
    "{[Kofi Mensah|PERSON] warned of famine in [South Sudan|GPE].}\r\n[WFP|ORG] agreed.\r\n",
    "{The [IAEA|ORG] inspected the plant in [Iran|GPE] on [5 May 2025|DATE].} ☢️",
    "{[Germany|GPE] doubled its contribution to [UNICEF|ORG] to [$60 million|MONEY].}",
    "{[Sofia Ramírez|PERSON] opened the [UNFCCC|ORG] workshop in [Bonn|GPE] on "
    "[Wednesday|DATE].}",
    "{[UNAIDS|ORG] said new infections in [Zambia|GPE] dropped by a third since [2015|DATE].}",
    "{[India|GPE] sent 200 peacekeepers to [Lebanon|GPE] in [September|DATE].} 🇮🇳",
    "{[Chen Wei|PERSON] chaired the [ECOSOC|ORG] meeting in [New York|GPE].}",
    "{The [African Union|ORG] asked for [$150 million|MONEY] for troops in [Somalia|GPE].}"
    "\r\nA decision is due in [June|DATE].\r\n",
    "{[UNICEF|ORG] vaccinated 2 million children in [Pakistan|GPE] in [October|DATE].}",
    "{[Olga Ivanova|PERSON] of [WHO|ORG] said the outbreak in [Guinea|GPE] is over.} 🎉",
    "{[France|GPE] hosted a donor conference for [Lebanon|GPE] on [9 November 2024|DATE].} "
    "It raised [$1 billion|MONEY].",
    "{[UNHCR|ORG] opened a new camp near [Adré|GPE] in [Chad|GPE].} [Jean Dupont|PERSON] "
    "runs it.",
    "{[Australia|GPE] pledged [$25 million|MONEY] to [UNFPA|ORG] on [Monday|DATE].}",
    "{[Nadia Haddad|PERSON] said schools in [Syria|GPE] reopened in [December|DATE].} ✏️",
    "{The [Secretariat|ORG] moved its staff from [Port-au-Prince|GPE] to [Santo Domingo|GPE].}"
    "\r\nThe move cost [$2 million|MONEY].\r\n",
]

# ``spacy debug data`` counts fewer than 100 training documents for a blank pipeline as an
# error ("Low number of examples to train a new pipeline") and exits 1, so each base document
# comes in four versions: alone and with one of three follow-up sentences. 160 documents give
# 120 training and 40 dev documents with a dev fraction of 0.25.
FOLLOW_UPS = [
    "",
    "A spokesperson, [Dara Quinn|PERSON], confirmed the figures on [Friday|DATE].",
    "\r\nThe next update is due in [January 2026|DATE]. 📅",
    "[Switzerland|GPE] offered [$2.5 million|MONEY] in support.",
]


def _joined(base: str, follow_up: str) -> str:
    if not follow_up or follow_up.startswith("\r\n"):
        return base + follow_up
    return base + ("" if base.endswith("\n") else " ") + follow_up


DOCS = [_joined(base, follow_up) for base in BASES for follow_up in FOLLOW_UPS]
DEV_DOCS = round(len(DOCS) * 0.25)
TRAIN_DOCS = len(DOCS) - DEV_DOCS
ENTITY_LABELS = {"ORG", "GPE", "PERSON", "DATE", "MONEY"}

# Loaded first by every spaCy subprocess (through PYTHONPATH): an internet connection fails
# loudly, so a command reaching for the network shows up in its stderr and exit code.
NETWORK_GUARD = '''
import socket

_connect = socket.socket.connect


def _refuse(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        import sys
        print(f"NETWORK REFUSED: connect to {address!r}", file=sys.stderr)
        raise OSError(f"no network in this test (connect to {address!r})")
    return _connect(self, address)


socket.socket.connect = _refuse
'''


def parse(markup: str) -> tuple[str, list[tuple[int, int, str]], tuple[int, int]]:
    """The text of ``markup``, its entities as (start, end, label) and its claim's offsets."""
    text: list[str] = []
    entities: list[tuple[int, int, str]] = []
    claim: list[int] = []
    opened: list[int] = []
    i = 0
    while i < len(markup):
        char = markup[i]
        if char == "[":
            opened.append(len(text))
        elif char == "|":
            close = markup.index("]", i)
            entities.append((opened.pop(), len(text), markup[i + 1:close]))
            i = close
        elif char in "{}":
            claim.append(len(text))
        else:
            text.append(char)
        i += 1
    assert len(claim) == 2 and not opened, markup
    return "".join(text), entities, (claim[0], claim[1])


PARSED = {text: (entities, claim) for text, entities, claim in map(parse, DOCS)}


def _export(tmp_path: Path) -> Path:
    """A project of :data:`DOCS` annotated by ana, exported as ``train.spacy``/``dev.spacy``."""
    assert len(PARSED) == len(DOCS), "the documents must differ"
    folder = tmp_path / "docs"
    folder.mkdir()
    for number, text in enumerate(PARSED, 1):
        (folder / f"{number:03d}.txt").write_bytes(text.encode("utf-8"))
    project = open_project(tmp_path / "p.unannotate.db")
    try:
        import_paths(project, [folder])
        with project.db.read() as session:
            ids = {body: doc_id for doc_id, body in session.execute(
                select(DocumentRow.id, DocumentRow.text))}
        assert set(ids) == set(PARSED)  # texts stored exactly: emoji, CRLF and all
        ana = Decider(project, "ana")
        for body, (entities, claim) in PARSED.items():
            for start, end, label in entities:
                ana.add(ids[body], start, end, label)
            ana.add(ids[body], claim[0], claim[1], "CLAIM")
        out = tmp_path / "corpus"
        [report] = export_annotations(project, out, fmt="spacy", layer="ana",
                                      options={"dev_fraction": 0.25, "seed": 7})
    finally:
        project.close()
    written = Counter(label for entities, _ in PARSED.values() for _, _, label in entities)
    assert report.written.documents == len(DOCS)
    assert report.written.spans == written + Counter({"CLAIM": len(DOCS)})
    assert not report.written.dropped
    assert (out / "train.spacy").is_file() and (out / "dev.spacy").is_file()
    return out


def _training_counts(train: Path, group: str) -> Counter[str]:
    """The labels ana wrote in the documents that went to ``train``: entities, or claims."""
    docs = DocBin().from_disk(train).get_docs(spacy.blank("xx").vocab)
    texts = [doc.text for doc in docs]
    assert len(texts) == TRAIN_DOCS
    if group == "claims":
        return Counter({"CLAIM": len(texts)})
    return Counter(label for text in texts for _, _, label in PARSED[text][0])


def _spacy(tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m spacy ARGS`` with PATH, a private HOME, UTF-8 output without colours, and
    the network guard; nothing else from the environment."""
    guard = tmp_path / "guard"
    if not guard.is_dir():
        guard.mkdir()
        (guard / "sitecustomize.py").write_text(NETWORK_GUARD, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "PYTHONPATH": str(guard),
        "PYTHONIOENCODING": "utf-8",
        "LC_ALL": "C.UTF-8",
        "ANSI_COLORS_DISABLED": "1",  # wasabi: no colours (bold rules and spinners remain)
    }
    run = subprocess.run([sys.executable, "-m", "spacy", *args], cwd=tmp_path, env=env,
                         capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    assert "NETWORK REFUSED" not in run.stderr, run.stderr
    assert run.returncode == 0, f"spacy {args[0]} failed:\n{run.stdout}\n{run.stderr}"
    return run


def _plain(output: str) -> str:
    """``output`` without terminal escapes (wasabi still writes bold rules and spinners)."""
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", output)


def _flat(output: str) -> str:
    """``output`` on one line: wasabi wraps long lines at 80 columns."""
    return " ".join(output.split())


def _summary(output: str) -> str:
    """The lines after ``debug data``'s "Summary" rule."""
    parts = re.split(r"^=+ Summary =+$", output, flags=re.MULTILINE)
    assert len(parts) == 2, output
    return parts[1]


# Overrides for ``debug data`` and ``train`` (``init config`` takes none). ``spancat`` reads
# the claims group; without the override it reads "sc", finds no spans and fails (E143). A claim
# is a whole sentence, longer than the default n-gram suggester's 1-3 tokens, so the model
# learns little: the point is that the data loads, checks and trains. Cheap (about 12 s, like
# ``ner``), so it runs.
PIPELINES = {
    "ner": [],
    "spancat": ["--components.spancat.spans_key", "claims"],
}


@pytest.mark.slow
@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
def test_exported_docbin_checks_and_trains_with_spacy(pipeline: str, tmp_path: Path) -> None:
    began = time.perf_counter()
    corpus = _export(tmp_path)
    train, dev = corpus / "train.spacy", corpus / "dev.spacy"
    paths = ["--paths.train", str(train), "--paths.dev", str(dev), *PIPELINES[pipeline]]
    config = tmp_path / "config.cfg"
    _spacy(tmp_path, "init", "config", str(config), "--lang", "en", "--pipeline", pipeline,
           "--optimize", "efficiency")
    assert "vectors = null" in config.read_text(encoding="utf-8")  # nothing to download

    checked = _spacy(tmp_path, "debug", "data", str(config), *paths, "--verbose")
    output = _plain(checked.stdout)
    summary = _summary(output)
    assert "✘" not in summary and "error" not in summary, output
    assert re.search(r"^✔ \d+ checks? passed$", summary, flags=re.MULTILINE), output
    assert "✘" not in output, output  # no failed check anywhere
    assert "✔ Corpus is loadable" in output
    assert f"{TRAIN_DOCS} training docs" in output and f"{DEV_DOCS} evaluation docs" in output
    assert "✔ No overlap between training and evaluation data" in output
    # The labels, with their counts in the training documents, as debug data counts them.
    expected = {label: str(count) for label, count in
                _training_counts(train, "entities" if pipeline == "ner" else "claims").items()}
    if pipeline == "ner":
        assert f"ℹ {len(ENTITY_LABELS)} label(s)" in output, output
        assert set(expected) == ENTITY_LABELS
        found = re.search(r"Labels in train data: ((?:'\w+' \(\d+\),? ?)+)", _flat(output))
        assert found, output
        assert dict(re.findall(r"'(\w+)' \((\d+)\)", found.group(1))) == expected
        assert "✔ No entities consisting of or starting/ending with whitespace" in output
    else:
        assert f"Key: claims, 'CLAIM' ({expected['CLAIM']})" in _flat(output), output

    out = tmp_path / "model"
    trained = _spacy(tmp_path, "train", str(config), *paths, "--output", str(out),
                     "--training.max_steps", "20", "--training.eval_frequency", "10",
                     "--nlp.batch_size", "16", "--system.seed", "0")
    assert (out / "model-last" / "config.cfg").is_file(), trained.stdout
    assert "Saved pipeline to output directory" in trained.stdout

    nlp = spacy.load(out / "model-last")
    assert nlp.pipe_names == ["tok2vec", pipeline]
    doc = nlp("🌍 UNICEF appealed for $4 million on 3 June 2025 for children in Haiti.\r\n")
    assert doc.text.endswith("\r\n")
    assert isinstance(doc.ents, tuple)  # quality is not the point: only that it ran
    if pipeline == "spancat":
        assert "claims" in doc.spans
    elapsed = time.perf_counter() - began
    print(f"{pipeline}: export, init config, debug data and train took {elapsed:.1f} s")
