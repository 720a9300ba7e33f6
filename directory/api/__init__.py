"""The read-only HSDS 3.0 API at /api/hsds/, described by `openapi.json`.

Objects are built by `directory.hsds.mapping`, as the export builds them, so ids and
fields are the export's. `params` reads and checks the query string, `queries` selects
the published rows a list or detail shows, `http` holds what every endpoint shares
(JSON errors, CORS, the rate limit) and `views` puts them together.
"""
