"""Dated adaptations recorded in bulk from a file (a spreadsheet of the services' works, or a
GeoJSON of the new layouts): `reading` turns the file into lines, rejecting each it cannot read
with its number and why (no database); `services.adaptations_import` records the others through
`amenagements.services.amenagement_adapt`, idempotently, for real or as a dry run. The staff page
(`views`) and `manage.py import_adaptations` call it."""
