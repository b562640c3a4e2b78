"""Render: an edition into its mail, once; then cheap personalization per recipient.

`render` does the heavy work once per edition (Jinja2 templates, CSS inlined by
premailer, the encoded MIME skeleton); `personalize` fills one recipient's values in
by byte substitution; `text_only` makes a rendered edition a plain-text message.
"""

from __future__ import annotations

from ._greeting import NEUTRAL
from ._mime import TOKEN_RE, text_only
from ._render import TOC_MIN_ITEMS, personalize, render

__all__ = ["NEUTRAL", "TOC_MIN_ITEMS", "TOKEN_RE", "personalize", "render", "text_only"]
