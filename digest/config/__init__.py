"""The config stage."""

from __future__ import annotations

from ._load import config_path, load_settings
from ._schedule import Schedule
from ._settings import (
    Algorithm,
    CollectSettings,
    DkimSettings,
    FullText,
    ListSettings,
    OutboxSettings,
    QueueSettings,
    Settings,
    SmtpSettings,
    SourceSettings,
    is_placeholder_url,
)

__all__ = [
    "Algorithm",
    "CollectSettings",
    "DkimSettings",
    "FullText",
    "ListSettings",
    "OutboxSettings",
    "QueueSettings",
    "Schedule",
    "Settings",
    "SmtpSettings",
    "SourceSettings",
    "config_path",
    "is_placeholder_url",
    "load_settings",
]
