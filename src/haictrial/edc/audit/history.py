"""django-simple-history's ``Model.history`` with its manager class built once.

The library's descriptor builds a new manager class (``Manager.from_queryset``, which inspects every method of
the queryset class) at every access, and every audited save reads it (to find the historical model): about
0.2 ms of each audited insert. :func:`cache_history_managers` swaps in a descriptor that builds the class once
per model; what ``Model.history`` and ``instance.history`` return is otherwise unchanged.
"""

from __future__ import annotations

from typing import Any

from simple_history.manager import HistoryDescriptor


class CachedHistoryDescriptor(HistoryDescriptor):  # type: ignore[misc]
    def __init__(self, original: HistoryDescriptor) -> None:
        super().__init__(original.model, manager=original.manager_class, queryset=original.queryset_class)
        self.manager_with_queryset = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance: Any, owner: Any) -> Any:
        return self.manager_with_queryset(self.model, instance)


def cache_history_managers(models: list[type[Any]]) -> None:
    """Give each audited model (its ``history`` attribute) the caching descriptor."""
    for model in models:
        descriptor = model.__dict__.get("history")
        if isinstance(descriptor, HistoryDescriptor) and not isinstance(descriptor, CachedHistoryDescriptor):
            model.history = CachedHistoryDescriptor(descriptor)
