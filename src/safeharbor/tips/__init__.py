"""Public tips: validated at the form, stored once, rate limited in memory, linked to ads and networks.

The workspace reads tips through `list_tips` / `get_tip` for authorised analysts and audits each read.
"""

from safeharbor.tips.form import TipFormResult, parse_tip_form
from safeharbor.tips.matching import match_tip
from safeharbor.tips.model import Tip, TipInput, TipMatch, TipPlace, TipReceipt
from safeharbor.tips.ratelimit import RateLimiter
from safeharbor.tips.store import (
    STATUSES,
    TipStatusError,
    count_tips,
    get_tip,
    list_tips,
    receipt_for_form,
    set_tip_status,
    submit_tip,
    tip_status_history,
    tips_mentioning,
)
from safeharbor.tips.tokens import FormTokenError, FormTokens

__all__ = [
    "STATUSES",
    "FormTokenError",
    "FormTokens",
    "RateLimiter",
    "Tip",
    "TipFormResult",
    "TipInput",
    "TipMatch",
    "TipPlace",
    "TipReceipt",
    "TipStatusError",
    "count_tips",
    "get_tip",
    "list_tips",
    "match_tip",
    "parse_tip_form",
    "receipt_for_form",
    "set_tip_status",
    "submit_tip",
    "tip_status_history",
    "tips_mentioning",
]
