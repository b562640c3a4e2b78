"""digest: many sources, condensed into a short, scheduled email briefing.

The public API is what `digest run` uses: load the settings, run the pipeline, read
the report. Everything else is reachable through its module.
"""

from __future__ import annotations

from .config import ListSettings, Settings, load_settings
from .errors import (
    ConfigError,
    DeliveryError,
    DigestError,
    RenderError,
    SmtpAuthError,
    SourceError,
)
from .models import Article, Edition, Message, RawArticle, Recipient, Summary
from .pipeline import ListReport, Preview, RunReport, preview, retry, run

__version__ = "0.1.0"

__all__ = [
    "Article",
    "ConfigError",
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
