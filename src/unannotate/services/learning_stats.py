"""How the suggesters fare, from the event history: per suggester version and label, how many
of their suggestions reviewers accepted, corrected (relabelled or resized) and rejected, day
by day; and how unsure the suggestions still waiting in each document are.

A suggestion counts once, for the outcome its last decision left (undone decisions do not
count; redone ones do), on the day of that decision, under the label and the suggester
version that suggested it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from ..storage.learning_stats import (
    DecisionEvent,
    decision_events,
    pending_scores,
    suggestion_origins,
)
from .decisions import Decider
from .project import Project

ACCEPTED, CORRECTED, REJECTED = "accepted", "corrected", "rejected"
OUTCOMES = (ACCEPTED, CORRECTED, REJECTED)
_OUTCOME_OF = {"accept": ACCEPTED, "correct": CORRECTED, "reject": REJECTED}


@dataclass(frozen=True)
class OutcomeCounts:
    """One day's outcomes of one suggester version's suggestions of one label."""

    day: str  # ISO date (UTC)
    suggester: str  # the suggestions layer's name: suggester and version
    label: str
    accepted: int = 0
    corrected: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.corrected + self.rejected


@dataclass
class LearningStats:
    rows: list[OutcomeCounts] = field(default_factory=list)  # by day, suggester, label

    def suggesters(self) -> list[str]:
        return sorted({row.suggester for row in self.rows})

    def labels(self, suggester: str | None = None) -> list[str]:
        return sorted({row.label for row in self.rows
                       if suggester is None or row.suggester == suggester})

    def totals(self) -> dict[tuple[str, str], dict[str, int]]:
        """(suggester, label) -> outcome -> count, over every day."""
        out: dict[tuple[str, str], dict[str, int]] = {}
        for row in self.rows:
            entry = out.setdefault((row.suggester, row.label), dict.fromkeys(OUTCOMES, 0))
            for outcome in OUTCOMES:
                entry[outcome] += getattr(row, outcome)
        return dict(sorted(out.items()))

    def by_day(self, suggester: str | None = None, label: str | None = None
               ) -> list[tuple[str, dict[str, int]]]:
        """(day, outcome -> count) in day order, of one suggester and label (None: all)."""
        days: dict[str, dict[str, int]] = {}
        for row in self.rows:
            if (suggester is None or row.suggester == suggester) and (
                    label is None or row.label == label):
                entry = days.setdefault(row.day, dict.fromkeys(OUTCOMES, 0))
                for outcome in OUTCOMES:
                    entry[outcome] += getattr(row, outcome)
        return sorted(days.items())

    def to_dict(self) -> dict[str, object]:
        return {"by_day": [asdict(row) for row in self.rows],
                "totals": [{"suggester": s, "label": label, **counts}
                           for (s, label), counts in self.totals().items()]}


def suggestion_outcomes(project: Project) -> LearningStats:
    """Every decided suggestion's outcome, counted per day, suggester version and label."""
    with project.db.read() as session:
        events = list(decision_events(session))
        active: dict[int, bool] = {}
        for event in events:
            if event.kind == "undo" and event.target_id is not None:
                active[event.target_id] = False
            elif event.kind == "redo" and event.target_id is not None:
                active[event.target_id] = True
            else:
                active[event.id] = True
        decisions = [e for e in events if e.kind not in ("undo", "redo") and active[e.id]]
        origins = suggestion_origins(session, {e.suggestion_id for e in decisions
                                               if e.suggestion_id is not None})
    final: dict[int, tuple[str, DecisionEvent]] = {}  # suggestion id -> (outcome, its last event)
    for event in decisions:  # in the order they happened
        sid = event.suggestion_id
        if sid is None:
            continue
        if event.kind in _OUTCOME_OF:
            final[sid] = (_OUTCOME_OF[event.kind], event)
        elif sid in final and final[sid][0] != REJECTED:  # an accepted span changed later
            final[sid] = (CORRECTED, event)
    counts: dict[tuple[str, str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(OUTCOMES, 0))
    first_of: dict[int, DecisionEvent] = {}
    for event in decisions:
        if event.suggestion_id is not None:
            first_of.setdefault(event.suggestion_id, event)
    for sid, (outcome, last) in final.items():
        first = first_of[sid]
        label, suggester = origins.get(sid, (first.label or "?", first.suggester or "?"))
        day = last.at.date().isoformat()
        counts[(day, suggester, label)][outcome] += 1
    return LearningStats([OutcomeCounts(day, suggester, label, **c)
                          for (day, suggester, label), c in sorted(counts.items())])


def document_uncertainty(reviewer: Decider) -> dict[int, float]:
    """Per document, how unsure its suggestions still waiting for ``reviewer`` are: the mean
    of min(p, 1 − p) over their scores (0: all sure, 0.5: coin tosses), taking for each kind
    (entities, claims) only the newest suggester version that has suggestions there.
    Documents with no scored suggestion waiting are left out."""
    newest: dict[tuple[int, str], int] = {}
    scores: dict[tuple[int, str, int], list[float]] = defaultdict(list)
    with reviewer.project.db.read() as session:
        for document_id, layer_id, kind, score in pending_scores(session, reviewer.layer_id):
            key = (document_id, kind)
            if layer_id > newest.get(key, -1):
                newest[key] = layer_id
            scores[(document_id, kind, layer_id)].append(min(max(score, 0.0), 1.0))
    per_document: dict[int, list[float]] = defaultdict(list)
    for (document_id, kind), layer_id in newest.items():
        per_document[document_id] += [min(p, 1.0 - p)
                                      for p in scores[(document_id, kind, layer_id)]]
    return {doc: round(sum(values) / len(values), 4) for doc, values in per_document.items()}
