"""Render: an edition into its mail, once; then cheap personalization per recipient.

`render` does the heavy work once per edition (Jinja2 templates, CSS inlined by
premailer, the encoded MIME skeleton); `personalize` fills one recipient's values in
by byte substitution; `text_only` makes a rendered edition a plain-text message;
`public_html` is the edition as the web archive shows it, with no reader's values.
"""

from __future__ import annotations

from ._mime import text_only
from ._render import TOC_MIN_ITEMS, personalize, public_html, render

__all__ = ["TOC_MIN_ITEMS", "personalize", "public_html", "render", "text_only"]
