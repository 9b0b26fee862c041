"""The spaCy entity suggester, on a tiny pipeline trained here: no pipeline is downloaded."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import spacy
from spacy.training import Example

from unannotate.core.model import LabelKind
from unannotate.nlp import entity_spacy
from unannotate.nlp.base import _REGISTRY, SuggesterError, SuggesterInput
from unannotate.nlp.entity_spacy import ModelInfo, SpacyEntitySuggester, list_models

TRAIN = [
    ("Kenya asked UNICEF for help.", [(0, 5, "GPE"), (12, 18, "ORG")]),
    ("Amina Diallo visited Kenya.", [(0, 12, "PERSON"), (21, 26, "GPE")]),
    ("UNICEF thanked Amina Diallo.", [(0, 6, "ORG"), (15, 27, "PERSON")]),
    ("Chad asked UNICEF for food.", [(0, 4, "GPE"), (11, 17, "ORG")]),
]

LISTENING_NER = {
    "model": {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": 32,
        "maxout_pieces": 2,
        "use_upper": True,
        "nO": None,
        "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "*"},
    }
}


@pytest.fixture(scope="module")
def tiny_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pipeline with a shared tok2vec, a tagger ner does not need, a sentencizer and an
    ner that listens to the tok2vec, trained until it knows the four sentences."""
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    tagger = nlp.add_pipe("tagger")
    nlp.add_pipe("sentencizer")
    ner = nlp.add_pipe("ner", config=LISTENING_NER)
    examples = []
    for text, spans in TRAIN:
        doc = nlp.make_doc(text)
        tags = ["X"] * len(doc)
        examples.append(Example.from_dict(doc, {"entities": spans, "tags": tags}))
        for _, _, label in spans:
            ner.add_label(label)
    tagger.add_label("X")
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(0)
    for _ in range(60):
        rng.shuffle(examples)
        nlp.update(examples, sgd=optimizer, drop=0.0)
    nlp.meta["name"] = "tiny_news"
    nlp.meta["version"] = "0.1.0"
    folder = tmp_path_factory.mktemp("pipelines") / "tiny_news"
    nlp.to_disk(folder)
    return folder


def test_registered() -> None:
    assert _REGISTRY["unannotate.entities.spacy.v1"] is SpacyEntitySuggester


def test_loads_only_what_ner_needs(tiny_pipeline: Path) -> None:
    suggester = SpacyEntitySuggester(str(tiny_pipeline))
    assert suggester.nlp.pipe_names == ["tok2vec", "ner"]
    assert suggester.info.name == "unannotate.entities.spacy.v1"
    assert suggester.info.kind == LabelKind.ENTITY
    assert suggester.info.pipeline == "en_tiny_news"
    assert suggester.info.pipeline_version == "0.1.0"
    assert suggester.info.spacy_version == spacy.__version__
    assert suggester.info.layer_name == "unannotate.entities.spacy.v1:en_tiny_news-0.1.0"


def test_suggests_with_code_point_offsets(tiny_pipeline: Path) -> None:
    suggester = SpacyEntitySuggester(str(tiny_pipeline))
    texts = ["Kenya asked UNICEF for help.", "🌍🙏 Kenya asked UNICEF for help.",
             "Amina Diallo visited Kenya.", ""]
    out = list(suggester.suggest([SuggesterInput(i, t) for i, t in enumerate(texts)],
                                 batch_size=2))
    assert [key for key, _ in out] == [0, 1, 2, 3]
    assert out[3][1] == []
    found = {(texts[key][s.start:s.end], s.label) for key, suggestions in out
             for s in suggestions}
    assert ("Kenya", "GPE") in found and ("UNICEF", "ORG") in found
    with_emoji = {(s.start, s.end, s.label) for s in out[1][1]}
    kenya = texts[1].index("Kenya")
    assert (kenya, kenya + 5, "GPE") in with_emoji  # the emoji count one code point each
    for key, suggestions in out:
        for s in suggestions:
            assert s.score is None
            assert s.reason == "spaCy ner: en_tiny_news"
            assert texts[key][s.start:s.end].strip() == texts[key][s.start:s.end] != ""


def test_long_texts_are_cut_and_offsets_kept(tiny_pipeline: Path) -> None:
    suggester = SpacyEntitySuggester(str(tiny_pipeline))
    suggester.nlp.max_length = 100
    text = "\n".join(["Kenya asked UNICEF for help."] * 12)
    ((_, suggestions),) = suggester.suggest([SuggesterInput("long", text)])
    assert all(text[s.start:s.end] in ("Kenya", "UNICEF") for s in suggestions)
    assert len([s for s in suggestions if s.label == "GPE"]) >= 10


def test_a_long_document_is_read_in_pieces_batched_by_length(
        tiny_pipeline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ner holds what it reads at once: a document longer than NER_PIECE_CHARS is read
    in pieces cut at line breaks, a few at a time, never all of it in one batch."""
    suggester = SpacyEntitySuggester(str(tiny_pipeline))
    line = "Kenya asked UNICEF for help."
    text = "\n".join([line] * 2000)  # 58,000 characters
    read: list[int] = []
    real = suggester.nlp.pipe

    def pipe(texts, batch_size=1000):  # type: ignore[no-untyped-def]
        texts = list(texts)
        read.append(sum(len(t) for t in texts))
        return real(texts, batch_size=batch_size)

    monkeypatch.setattr(suggester.nlp, "pipe", pipe)
    ((_, suggestions),) = suggester.suggest([SuggesterInput("long", text)])
    assert len(read) > 10 and max(read) <= entity_spacy.NER_PIECE_CHARS
    assert sum(read) == len(text)
    assert all(text[s.start:s.end] in ("Kenya", "UNICEF") for s in suggestions)
    starts = {s.start for s in suggestions if s.label == "GPE"}
    assert starts == {n * (len(line) + 1) for n in range(2000)}  # every line, in place


def test_a_pipeline_that_is_not_installed() -> None:
    if spacy.util.is_package("en_core_web_sm"):
        pytest.skip("en_core_web_sm happens to be installed here")
    with pytest.raises(SuggesterError) as error:
        SpacyEntitySuggester("en_core_web_sm")
    assert str(error.value) == (
        "spaCy pipeline 'en_core_web_sm' is not installed. Install it with: python -m spacy "
        "download en_core_web_sm, or give a path to a pipeline folder"
    )


def test_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SuggesterError, match="does not exist"):
        SpacyEntitySuggester(str(tmp_path / "nowhere"))


def test_a_pipeline_without_ner(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(tmp_path / "no_ner")
    with pytest.raises(SuggesterError) as error:
        SpacyEntitySuggester(str(tmp_path / "no_ner"))
    assert "has no 'ner' component; its components are: sentencizer" in str(error.value)


def test_list_models_reads_package_meta(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    package = tmp_path / "xx_fake_news_md"
    package.mkdir()
    (package / "meta.json").write_text(json.dumps({
        "lang": "xx", "name": "fake_news_md", "version": "3.8.0", "spacy_version": ">=3.8.0,<3.9.0",
        "pipeline": ["tok2vec", "ner"], "components": ["tok2vec", "ner"],
    }), encoding="utf-8")
    monkeypatch.setattr(spacy.util, "get_installed_models", lambda: ["xx_fake_news_md"])
    monkeypatch.setattr(spacy.util, "get_package_path", lambda name: package)
    assert list_models() == [ModelInfo(name="xx_fake_news_md", version="3.8.0", lang="xx",
                                       components=["tok2vec", "ner"], has_ner=True,
                                       path=str(package))]


def test_list_models_runs_on_this_environment() -> None:
    models = entity_spacy.list_models()
    assert all(isinstance(m, ModelInfo) for m in models)
