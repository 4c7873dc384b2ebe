"""The pages' words live in `content/*.md` (Markdown with a small YAML header), not in code.

Header fields: `title`, `nav` (short label, optional), `summary`, `order`, `sources` (keys of
`content/sources.yaml`), `next` (a list of {text, href} — what to do after reading). Markdown is
rendered once with raw HTML switched off, so a content edit can never add a script or a style.
English pages are `content/<slug>.md`; their Spanish twins `content/es/<slug>.md` (same slug, same
header fields). Links in content are written as English paths ("/report"); the Spanish page's links
are pointed at Spanish pages when it is served (`i18n.localise_links`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

CONTENT_DIR = Path(__file__).parent / "content"


@dataclass(frozen=True)
class Source:
    key: str
    citation: str  # plain text; any address is shown, never fetched


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    summary: str
    html: str
    order: int
    nav: str
    sources: tuple[Source, ...] = ()
    next_steps: tuple[dict[str, str], ...] = field(default_factory=tuple)


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---\n"):
        return {}, text
    header, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(header) or {}, body


@cache
def sources() -> dict[str, Source]:
    data = yaml.safe_load((CONTENT_DIR / "sources.yaml").read_text(encoding="utf-8"))
    return {key: Source(key, text.strip()) for key, text in data.items()}


def content_dir(lang: str) -> Path:
    return CONTENT_DIR if lang == "en" else CONTENT_DIR / lang


@cache
def pages(lang: str = "en") -> dict[str, Page]:
    """Every content page in `lang` by slug (the file name without .md), in reading order."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(["table", "replacements"])
    known = sources()
    found: list[Page] = []
    for path in content_dir(lang).glob("*.md"):
        meta, body = _split_front_matter(path.read_text(encoding="utf-8"))
        missing = [k for k in meta.get("sources", []) if k not in known]
        if missing:
            raise ValueError(f"{path.name}: unknown sources {missing}")
        found.append(
            Page(
                slug=path.stem,
                title=meta["title"],
                summary=meta.get("summary", ""),
                html=md.render(body),
                order=int(meta.get("order", 100)),
                nav=meta.get("nav", meta["title"]),
                sources=tuple(known[k] for k in meta.get("sources", [])),
                next_steps=tuple(meta.get("next", [])),
            )
        )
    return {p.slug: p for p in sorted(found, key=lambda p: (p.order, p.slug))}


def learn_pages(lang: str = "en") -> list[Page]:
    """The reading path shown in the navigation (pages with order below 50)."""
    return [p for p in pages(lang).values() if p.order < 50]
