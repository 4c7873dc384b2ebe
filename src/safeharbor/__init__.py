"""Safe Harbor: find children sold for sex through online ads, and get them help.

Data flows one way: ingest -> extract -> link -> score -> serve/export.
Each stage is a sub-package; all of them read and write through `safeharbor.storage`.
"""

__version__ = "0.1.0"
