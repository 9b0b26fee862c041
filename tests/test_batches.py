"""Cutting a stream into bounded lists (core/batches.py)."""

from __future__ import annotations

from unannotate.core.batches import batches


def test_batches_keep_order_and_size_with_a_shorter_last() -> None:
    assert list(batches(iter(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batches(range(6), 3)) == [[0, 1, 2], [3, 4, 5]]


def test_batches_of_nothing_are_none_and_a_size_under_one_means_one() -> None:
    assert list(batches([], 4)) == []
    assert list(batches("ab", 0)) == [["a"], ["b"]]


def test_batches_read_the_stream_lazily() -> None:
    read: list[int] = []

    def stream():  # type: ignore[no-untyped-def]
        for n in range(10):
            read.append(n)
            yield n

    first = next(batches(stream(), 2))
    assert first == [0, 1] and read == [0, 1]
