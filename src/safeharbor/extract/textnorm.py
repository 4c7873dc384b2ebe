"""Regex fragments shared by the contact extractors.

Ad text arrives as crawled: HTML tags and entities, emoji, full-width and other Unicode forms. The
extractors never rewrite the text (spans must index the text exactly as written); instead they match
these noise forms in place with the fragments below, so `text[start:end] == raw` holds by construction.
"""

from __future__ import annotations

# Zero-width assertions: "no letter here". `[^\W\d_]` is "a letter in any script", so these also keep
# digit words from matching inside words of other scripts or inside accented words.
NOT_AFTER_LETTER = r"(?<![^\W\d_])"
NOT_BEFORE_LETTER = r"(?![^\W\d_])"

# An HTML tag (`<b>`, `</span>`, `<br/>`, `<font color="red">`); bounded so a stray `<` cannot run on.
HTML_TAG = r"<[/!]?[A-Za-z][^<>]{0,60}>"
# An HTML entity: named (`&nbsp;`), decimal (`&#64;`) or hex (`&#x40;`).
HTML_ENTITY = r"&(?:[A-Za-z][A-Za-z0-9]{1,9}|\#[0-9]{1,7}|\#[xX][0-9A-Fa-f]{1,6});"

# Symbol-ish characters crawlers leave between groups of a contact detail: anything that is neither a
# word character nor whitespace (emoji, stars, bullets, variation selectors, zero-width joiners,
# punctuation), plus the underscore. `<` and `&` are left out so tags and entities match as a whole.
SYMBOL_RUN = r"(?:[^\w\s<&]|_)+"

# Circled, parenthesised and full-stop digit forms (Unicode category No, so not matched by `\d`):
# ①-⑨ ⑴-⑼ ⒈-⒐ ⓪ ⓵-⓽ ⓿ ❶-❾ ➀-➈ ➊-➒. `unicodedata.digit` gives their values.
CIRCLED_DIGIT = (
    r"[\u2460-\u2468\u2474-\u247C\u2488-\u2490\u24EA\u24F5-\u24FD"
    r"\u24FF\u2776-\u277E\u2780-\u2788\u278A-\u2792]"
)

# Keycap digits are a digit followed by an optional variation selector and U+20E3 (2️⃣).
KEYCAP_TAIL = r"(?:\uFE0F?\u20E3)"
