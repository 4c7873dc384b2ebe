"""Synthetic demo corpus with ground truth (non-explicit, fictional contacts, abstract images).

`generate(out_dir, n_ads, seed)` writes ads.jsonl (docs/formats.md ingest format), truth.jsonl,
operators.jsonl, meta.json and images/. Rates are documented in `safeharbor.demo.rates`.
"""

from safeharbor.demo.generator import generate
from safeharbor.demo.truth import GenerateSummary, load_meta, load_truth, read_jsonl

__all__ = ["GenerateSummary", "generate", "load_meta", "load_truth", "read_jsonl"]
