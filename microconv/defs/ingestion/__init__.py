"""Ingestion: landing files into the raw tables, the landing sensor, the raw data's checks."""
