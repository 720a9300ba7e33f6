"""The curation admin, one module per area; importing them registers their ModelAdmins."""

from django.contrib import admin

from directory.admin import contributions, harvest, opportunities, organizations, taxonomy

admin.site.site_header = "Causeway curation"
admin.site.site_title = "Causeway curation"
admin.site.index_title = "Listings"

__all__ = ["contributions", "harvest", "opportunities", "organizations", "taxonomy"]
