"""digest: many sources, condensed into a short, scheduled email briefing.

The public API is what `digest run` uses: load the settings, run the pipeline, read
the report. Everything else is reachable through its module. The pipeline's names load
on first use, so that importing digest (and `digest --help`) stays fast.
"""

from __future__ import annotations

import typing

from .errors import (
    ConfigError,
    DeliveryError,
    DigestError,
    RenderError,
    SmtpAuthError,
    SourceError,
)
from .models import Article, Coverage, Edition, Message, RawArticle, Recipient, Summary

if typing.TYPE_CHECKING:
    from .config import ListSettings, Settings, load_settings
    from .pipeline import ListReport, Preview, RunReport, preview, retry, run

__version__ = "0.1.0"

_LAZY = {
    "ListSettings": "config",
    "Settings": "config",
    "load_settings": "config",
    "ListReport": "pipeline",
    "Preview": "pipeline",
    "RunReport": "pipeline",
    "preview": "pipeline",
    "retry": "pipeline",
    "run": "pipeline",
}

__all__ = [
    "Article",
    "ConfigError",
    "Coverage",
    "DeliveryError",
    "DigestError",
    "Edition",
    "ListReport",
    "ListSettings",
    "Message",
    "Preview",
    "RawArticle",
    "Recipient",
    "RenderError",
    "RunReport",
    "Settings",
    "SmtpAuthError",
    "SourceError",
    "Summary",
    "__version__",
    "load_settings",
    "preview",
    "retry",
    "run",
]


def __getattr__(name: str) -> typing.Any:
    """The settings' and the pipeline's public names, imported when first asked for."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
