"""A self-contained HTML report over the published marts, written after every successful run.

Plotly is imported by `page` only, so that importing this package (for REPORT_FILE) stays cheap.
"""

REPORT_FILE = "report.html"
