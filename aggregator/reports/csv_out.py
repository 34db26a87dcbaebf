"""A report as CSV: the figures, then every table in full, each under a ``table`` line."""

import csv
import io

from aggregator.reports.model import Report


def render_csv(report: Report) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["report", report.kind, report.site, report.unit, report.start, report.end])
    w.writerow([])
    w.writerow(["table", "figures"])
    w.writerow(["figure", "value"])
    for label, value in report.figures.items():
        w.writerow([label, "" if value is None else value])
    for table in report.tables:
        w.writerow([])
        w.writerow(["table", table.title])
        w.writerow(table.columns)
        for row in table.rows:
            w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()
