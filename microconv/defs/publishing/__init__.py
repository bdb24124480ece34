"""Publishing: the read-only BI copy and the HTML report."""
