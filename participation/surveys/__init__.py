"""Opinions from existing surveys and paper questionnaires, imported by staff from a CSV file
(a Baromètre vélo export, a typed-up paper survey): `reading` turns the file into lines,
converting each score to the indicators' 1–5 steps and rejecting each line it cannot read with
its number and why (no database); `selectors` find the arrangement a line is about; `services`
record the answers as contributions of a `SurveySource`, idempotently, for real or as a dry
run. The staff page (`views`) and `manage.py import_survey_opinions` call them. Results keep
these answers apart from residents' own ratings unless the panel counts them
(`CitizenPanel.include_survey_opinions`, set from the panel's manage page).
"""
