"""The history in the core: undo and redo stacks as a pure function of the events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unannotate.core.history import (
    Event,
    EventKind,
    History,
    StatusSnapshot,
    Step,
    history_state,
    snapshot_from_json,
    snapshot_to_json,
    steps,
)
from unannotate.core.model import DocumentStatus, Span, SpanState

# An action: ("do", events in its group) or ("undo", 1) or ("redo", 1).
actions = st.lists(st.one_of(
    st.tuples(st.just("do"), st.integers(1, 4)),
    st.tuples(st.sampled_from(["undo", "redo"]), st.just(1))), max_size=60)


def _log(script: list[tuple[str, int]]) -> list[tuple[int, EventKind, str | None]]:
    """The events a person's actions append, ids rising, one group per action."""
    events: list[tuple[int, EventKind, str | None]] = []
    for number, (action, size) in enumerate(script):
        kind = {"do": EventKind.ACCEPT, "undo": EventKind.UNDO, "redo": EventKind.REDO}[action]
        for _ in range(size):
            events.append((len(events) + 1, kind, f"g{number}"))
    return events


def _reference(script: list[tuple[str, int]]) -> tuple[list[tuple[int, ...]],
                                                        list[tuple[int, ...]]]:
    """The plain model: a list of the decisions made and a cursor into it."""
    made: list[tuple[int, ...]] = []
    cursor = 0
    next_id = 1
    for action, size in script:
        ids = tuple(range(next_id, next_id + size))
        next_id += size
        if action == "do":
            made = made[:cursor] + [ids]
            cursor += 1
        elif action == "undo" and cursor > 0:
            cursor -= 1
        elif action == "redo" and cursor < len(made):
            cursor += 1
    return made[:cursor], made[cursor:][::-1]


@given(actions)
def test_any_sequence_of_do_undo_redo_matches_the_reference_model(
        script: list[tuple[str, int]]) -> None:
    history = history_state(_log(script))
    undo, redo = _reference(script)
    assert history.stacks() == (undo, redo)
    assert history.can_undo == bool(undo) and history.can_redo == bool(redo)
    assert history.next_undo == (undo[-1] if undo else None)
    assert history.next_redo == (redo[-1] if redo else None)
    assert (history.undo_depth, history.redo_depth) == (len(undo), len(redo))


@given(actions, st.integers(0, 60))
def test_advancing_step_by_step_equals_folding_the_whole_log(
        script: list[tuple[str, int]], cut: int) -> None:
    """A cached history advanced with each step agrees with one read of the whole log."""
    log = _log(script)
    cut = min(cut, len(log))
    # Cut between steps: a cache is advanced with whole groups.
    while 0 < cut < len(log) and log[cut][2] == log[cut - 1][2]:
        cut += 1
    cached = history_state(log[:cut])
    for step in steps(log[cut:]):
        cached = cached.advance(step)
    assert cached == history_state(log)
    assert cached.last_event == (log[-1][0] if log else 0)


def test_events_without_a_group_are_steps_alone_and_neighbours_in_a_group_are_one() -> None:
    log = [(1, "accept", "a"), (2, "accept", "a"), (3, "add", None), (4, "add", None),
           (5, "undo", "b"), (6, "undo", "b")]
    assert list(steps(log)) == [Step(EventKind.ACCEPT, (1, 2)), Step(EventKind.ADD, (3,)),
                                Step(EventKind.ADD, (4,)), Step(EventKind.UNDO, (5, 6))]
    history = history_state(log)
    assert history.stacks() == ([(1, 2), (3,)], [(4,)])


def test_an_undo_with_nothing_to_undo_changes_nothing() -> None:
    """A log merged from elsewhere may hold an undo of what this log does not hold."""
    history = history_state([(7, "undo", "x"), (8, "redo", "y")])
    assert history.stacks() == ([], []) and history.last_event == 8
    assert History().advance(Step(EventKind.UNDO, (1,))) == History(last_event=1)


def test_an_unknown_event_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        history_state([(1, "shrug", None)])


def test_snapshots_round_trip_through_the_json_the_log_stores() -> None:
    span = Span(id=4, document_id=2, layer_id=3, start=0, end=5, label="ORG",
                state=SpanState.ACCEPTED, score=0.5, reason="", source_id=9, version=2)
    stored = snapshot_to_json(span)
    assert stored == {"id": 4, "layer_id": 3, "document_id": 2, "start": 0, "end": 5,
                      "label": "ORG", "state": "accepted", "score": 0.5, "reason": "",
                      "source_id": 9, "version": 2}
    assert snapshot_from_json(stored) == span
    status = StatusSnapshot(DocumentStatus.DONE)
    assert snapshot_to_json(status) == {"status": "done"}
    assert snapshot_from_json({"status": "done"}) == status
    assert snapshot_to_json(None) is None and snapshot_from_json(None) is None
    event = Event(1, EventKind.DELETE, 1, datetime.now(UTC), 2, 3, before=span)
    assert event.span_id == 4
    assert Event(2, EventKind.STATUS, 1, None, 2, 3, after=status).span_id is None
