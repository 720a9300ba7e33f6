"""Causeway as HSDS 3.0 (Open Referral's Human Services Data Specification).

`mapping` is the one translation between our models and HSDS objects; `export` writes
published listings as HSDS JSON or as the tabular CSV package (`csv_package`), and
`importer` reads either back, matching on the HSDS ids every model keeps in `hsds_id`.
"""
