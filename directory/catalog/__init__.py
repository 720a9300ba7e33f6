"""The catalog: the public directory as visitors see it, with one door in and one out.

`browse.browse(params)` is the one reader of the organization list: it searches,
filters, counts, orders and pages, and returns a frozen `Result`.
`changed()` is the one way a change to public content reaches the search index, the facet
counts (held in the index's documents) and the page cache (the content version); `flush()`
applies, inside the current transaction, what it has changed so far. Model signals
(`signals.py`) report every ORM write, so a save from a shell or a script arrives too;
`admin.CatalogAdminMixin` ends each admin save, revert and delete with `flush()`;
`expiry` handles what changes with the date alone. Why changes are collected per
transaction and when they are applied: `writer`.
"""

from directory.catalog.writer import changed, flush

__all__ = ["changed", "flush"]
