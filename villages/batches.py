"""Cutting long work into batches: big reads and writes go a batch at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunks(values: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of up to `size` values, taken as they come (a streamed query stays streamed)."""
    iterator = iter(values)
    while batch := list(islice(iterator, size)):
        yield batch
