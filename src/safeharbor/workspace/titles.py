"""Indicator titles for people: "Stated age under 18", never the catalogue id `age_under_18`."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from safeharbor.score.catalogue import CatalogueError, load_catalogue
from safeharbor.score.review_text import INDICATOR as REVIEW_TEXT
from safeharbor.score.review_text import TITLE as REVIEW_TEXT_TITLE

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _titles() -> dict[str, str]:
    try:
        # The review-learned text model is not in the catalogue file (score/review_text.py).
        return {REVIEW_TEXT: REVIEW_TEXT_TITLE} | {i.id: i.title for i in load_catalogue().indicators}
    except CatalogueError:
        log.exception("workspace: the indicator catalogue failed to load; indicators are shown by id")
        return {}


def indicator_title(indicator_id: str) -> str:
    """The catalogue's title of an indicator (its id in words when the catalogue does not know it)."""
    found = _titles().get(indicator_id)
    return found or indicator_id.replace("_", " ").capitalize()


def with_titles(text: str) -> str:
    """A note from the score stage with every catalogue id in it replaced by its title."""
    titles = _titles()
    if not titles or not text:
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(titles, key=len, reverse=True))) + r")\b")
    return pattern.sub(lambda m: titles[m.group(1)], text)
