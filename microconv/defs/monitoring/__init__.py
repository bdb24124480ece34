"""Monitoring: anomaly and data-test checks that alert, and the run-failure sensor."""
