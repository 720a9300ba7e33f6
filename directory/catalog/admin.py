"""What every admin of public content shares: its saves, reverts and deletes reach search,
counts and cached pages inside their own transaction.

The model signals have already told the writer what changed; `flush()` applies it before
the admin's transaction commits (see `writer`), so a curator's change and what the public
sees of it commit together.
"""

from django.db import transaction

from directory.catalog.writer import flush


class CatalogAdminMixin:
    """Mix in before `CurationAdmin`, whose saves and reverts end in `published_change`."""

    def published_change(self, obj) -> None:
        super().published_change(obj)
        flush()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)  # inside the admin's transaction
        flush()

    def delete_queryset(self, request, queryset):
        # The "delete selected" action opens no transaction of its own.
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            flush()
