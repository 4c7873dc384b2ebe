"""Ingest: read partner/crawler ad files (CONTRACT.md), set bad lines aside, hash images, store raw ads."""

from safeharbor.ingest.run import IngestSummary, ingest_file

__all__ = ["IngestSummary", "ingest_file"]
