"""Metric families declared once, as the class body of a `MetricSet`: kind, name, help, labels, buckets.

The worker's, the notifier's and ingest's metrics each live on their own registry. A `MetricSet`
subclass is the table of its families: each class attribute made by `counter`, `gauge` or
`histogram` is the spec of one family, and `MetricSet.__init__` builds every spec on the set's
registry, in declaration order, as the instance attribute of the same name. So the attribute, its
type and its spec are one declaration; `MetricSet.families()` lists them for the tests and docs.

A spec is a non-data descriptor typed by its kind (`Family[Counter]` reads as a `Counter` on an
instance, for mypy); once built, the family is a plain instance attribute that shadows it, so a
recording call costs what it did with attributes set by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

F = TypeVar("F", Counter, Gauge, Histogram)


class Family(Generic[F]):
    """The spec of one metric family: what `make` builds (prometheus_client's own class) with it."""

    __slots__ = ("attr", "buckets", "doc", "labels", "make", "name")

    def __init__(
        self, make: Callable[..., F], name: str, doc: str, labels: tuple[str, ...], buckets: tuple[float, ...] = ()
    ) -> None:
        self.make: Callable[..., F] = make
        self.name = name
        self.doc = doc
        self.labels = labels
        self.buckets = buckets
        self.attr = ""

    def __set_name__(self, owner: type, attr: str) -> None:
        self.attr = attr

    @overload
    def __get__(self, obj: None, owner: type) -> Family[F]: ...

    @overload
    def __get__(self, obj: object, owner: type) -> F: ...

    def __get__(self, obj: object, owner: type) -> Family[F] | F:
        if obj is None:
            return self
        raise AttributeError(f"metric family {self.attr!r} is built by MetricSet.__init__, which has not run")

    def build(self, registry: CollectorRegistry) -> F:
        """The family itself, registered on `registry`."""
        if self.buckets:
            return self.make(self.name, self.doc, self.labels, registry=registry, buckets=self.buckets)
        return self.make(self.name, self.doc, self.labels, registry=registry)


def counter(name: str, doc: str, *labels: str) -> Family[Counter]:
    return Family(Counter, name, doc, labels)


def gauge(name: str, doc: str, *labels: str) -> Family[Gauge]:
    return Family(Gauge, name, doc, labels)


def histogram(name: str, doc: str, *labels: str, buckets: tuple[float, ...]) -> Family[Histogram]:
    if not buckets:
        raise ValueError(f"histogram {name} needs its buckets")
    return Family(Histogram, name, doc, labels, buckets)


class MetricSet:
    """Builds the families its class declares on `registry` (a new one when none is given)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        for attr, family in self.families():
            setattr(self, attr, family.build(self.registry))

    @classmethod
    def families(cls) -> list[tuple[str, Family[Any]]]:
        """(attribute, spec) of every family the class declares, its bases' first, in declaration order."""
        found: dict[str, Family[Any]] = {}
        for klass in reversed(cls.__mro__):
            found.update((k, v) for k, v in vars(klass).items() if isinstance(v, Family))
        return list(found.items())
