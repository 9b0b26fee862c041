"""The project's tables (typed ORM). One project is one database.

Schema changes never edit this file alone: each one adds a step to ``migrations.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.engine import ExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from ..core.listing import list_key, search_key


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class SchemaInfo(Base):
    """Key/value facts about the database itself, among them ``schema_version``."""

    __tablename__ = "schema_info"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ProjectRow(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LabelRow(Base):
    __tablename__ = "labels"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # entity | claim
    colour: Mapped[str] = mapped_column(String(16), default="#cccccc")
    key: Mapped[str] = mapped_column(String(16), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


def _inserted(context: ExecutionContext, column: str) -> Any:
    return context.get_current_parameters().get(column)


def _list_key(context: ExecutionContext) -> str:
    return list_key(_inserted(context, "title"), _inserted(context, "source"))


def _search_key(context: ExecutionContext) -> str:
    return search_key(_inserted(context, "title"), _inserted(context, "source"))


def _characters(context: ExecutionContext) -> int:
    return len(_inserted(context, "text") or "")


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(500), default="")
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str] = mapped_column(String(16), default="en")
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept beside the text so the document list sorts, searches and counts from an index
    # instead of reading 100,000 texts (core/listing.py; a schema-5 step). Filled from the
    # row's own columns on every insert (ORM or Core) and when the ORM changes them.
    # (The server defaults only keep a row written by other means than SQLAlchemy valid.)
    list_key: Mapped[str] = mapped_column(Text, default=_list_key, server_default="")
    search_key: Mapped[str] = mapped_column(Text, default=_search_key, server_default="")
    characters: Mapped[int] = mapped_column(Integer, default=_characters, server_default="0")

    __table_args__ = (
        # The list in import order (filtered by its search) and the project's counts
        # (characters, languages): a narrow index, never the table and its texts.
        Index("ix_documents_listing", "id", "characters", "language", "search_key"),
        # The list by title.
        Index("ix_documents_list_key", "list_key", "id", "search_key"),
    )

    @validates("title", "source", "text")
    def _keep_keys(self, name: str, value: Any) -> Any:
        title = value if name == "title" else self.title
        source = value if name == "source" else self.source
        self.list_key = list_key(title, source)
        self.search_key = search_key(title, source)
        if name == "text":
            self.characters = len(value or "")
        return value


class AnnotatorRow(Base):
    __tablename__ = "annotators"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LayerRow(Base):
    """Whose spans: the suggestions of one suggester version, one annotator, or gold."""

    __tablename__ = "layers"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # suggestions | annotator | gold
    name: Mapped[str] = mapped_column(String(300), unique=True)
    annotator_id: Mapped[int | None] = mapped_column(ForeignKey("annotators.id"))
    suggester: Mapped[str | None] = mapped_column(String(200))
    pipeline: Mapped[str | None] = mapped_column(String(200))
    pipeline_version: Mapped[str | None] = mapped_column(String(64))
    spacy_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpanRow(Base):
    """Current state of a span, derived from events (a cache the events can rebuild)."""

    __tablename__ = "spans"
    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("layers.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"))
    state: Mapped[str] = mapped_column(String(16))  # suggested | accepted | rejected
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The suggestion (or a colleague's span) this annotation came from.
    source_id: Mapped[int | None] = mapped_column(ForeignKey("spans.id"))
    # Bumped on every change, so a writer holding an old copy is detected.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # A document's spans of some layers, also from a code point on (what a window
        # reads before its first paint): one range of the index per layer.
        Index("ix_spans_document_layer_start", "document_id", "layer_id", "start"),
        Index("ix_spans_source", "source_id"),
        # Spans of a layer by label and state, with their documents: the project's counts
        # and the document list's label filter read this index alone (a schema-5 step;
        # it replaced one on layer and label).
        Index("ix_spans_layer_label_state", "layer_id", "label_id", "state", "document_id"),
        # One span per place in a layer; rejections (decisions on suggestions) left out
        # (storage/spans.py; a schema-4 step).
        Index("ux_spans_place", "layer_id", "document_id", "start", "end", "label_id",
              unique=True, sqlite_where=text("state <> 'rejected'"),
              postgresql_where=text("state <> 'rejected'")),
        # A span id is never given twice (SQLite would reuse the highest id once deleted):
        # events and undo refer to spans by id, also after they are deleted.
        {"sqlite_autoincrement": True},
    )


class SuggestedDocumentRow(Base):
    """A document a suggestions layer has been run over (also when it found nothing),
    so an interrupted run resumes where it stopped."""

    __tablename__ = "suggested_documents"
    layer_id: Mapped[int] = mapped_column(ForeignKey("layers.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    spans: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class EventRow(Base):
    """The append-only log of everything that happened: decisions, imports, undo."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    annotator_id: Mapped[int | None] = mapped_column(ForeignKey("annotators.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    layer_id: Mapped[int | None] = mapped_column(ForeignKey("layers.id"))
    # Not a foreign key: the span may be deleted later while its history stays.
    span_id: Mapped[int | None] = mapped_column(Integer)
    suggestion_id: Mapped[int | None] = mapped_column(Integer)
    suggester: Mapped[str | None] = mapped_column(String(300))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # For undo/redo: the event this one reverses or re-applies.
    target_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    # Events made by one action (accept all) share a group and undo together.
    group_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_events_annotator", "annotator_id", "id"),
        Index("ix_events_document", "document_id"),
    )


class DocumentStatusRow(Base):
    __tablename__ = "document_status"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # todo | in_progress | done
    seconds_spent: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_status_annotator", "annotator_id", "status"),)



class ReviewStatusRow(Base):
    """A document's review status (settling its disagreements into gold), kept apart from
    each annotator's own status of it."""

    __tablename__ = "review_status"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # todo | in_progress | done
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("annotators.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_review_status_status", "status"),)
