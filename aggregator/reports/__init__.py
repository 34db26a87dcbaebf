"""Reports built from the analytics roll-ups: hand hygiene, mobility, falls, home activity.

Each report is a plain `Report` (figures, tables, charts, notes); HTML, CSV, PDF and JSON are
renderings of that one object, so the file, the web page and the API always agree.
"""
