"""Harvesting other directories' HSDS 3.0 APIs: `client` reads a feed, `run` writes one
harvest all or nothing, `resolve` settles the conflicts it leaves for curators.
`python manage.py harvest_hsds` runs it; feeds are configured in the admin."""
