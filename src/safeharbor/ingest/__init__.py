"""Ingest: read partner/crawler ad files (docs/formats.md), set bad lines aside, hash images, store ads."""

from safeharbor.ingest.run import IngestSummary, ingest_file

__all__ = ["IngestSummary", "ingest_file"]
