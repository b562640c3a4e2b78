"""Read digest.toml and the environment into validated, typed Settings.

This is the only module that reads the config file or the environment for settings.
Every mistake is reported in terms of the file: its path, the key, what is wrong and
how to fix it. All mistakes of one file are reported together, so one `digest check`
shows everything to mend.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping, Sequence
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError
from . import _backends as backends
from . import _schedule as schedule
from ._secrets import SECRET_HINT, secrets_in_file, with_secrets, without_secrets
from ._settings import DkimSettings, ListSettings, Settings, SmtpSettings, SourceSettings

DEFAULT_PATH = Path("config/digest.toml")
ENV_CONFIG = "DIGEST_CONFIG"


def config_path(option: str | Path | None, environ: Mapping[str, str]) -> Path:
    """The config file to use: the --config option, else $DIGEST_CONFIG, else the default.

    `environ` is the environment the caller read (the CLI passes os.environ): the
    config is the one reader of settings, but it reads no hidden input of its own.
    """
    if option:
        return Path(option)
    if environ.get(ENV_CONFIG):
        return Path(environ[ENV_CONFIG])
    return DEFAULT_PATH


def load_settings(path: Path, environ: Mapping[str, str]) -> Settings:
    """Read, validate and resolve one config file; raise ConfigError listing every mistake.

    Secrets come from `environ`, under the names the file gives (password_env, key_env…).
    """
    data = _read_toml(path)
    base = path.resolve().parent
    secrets = secrets_in_file(data)
    hint = SECRET_HINT if secrets else _HINT
    raw = _prepare(without_secrets(data), path, base)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_join(path, secrets + _describe(exc, data)), hint=hint) from exc
    problems = secrets + _check_semantics(settings, path) + backends.check_backends(settings)
    if problems:
        raise ConfigError(_join(path, problems), hint=hint)
    return with_secrets(settings, path, environ)


_HINT = "see the commented example in config/digest.toml, then run `digest check`"


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse the TOML file, turning a missing file or a syntax error into ConfigError."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: config file not found.",
            hint=f"pass --config PATH, set ${ENV_CONFIG}, or create {DEFAULT_PATH}",
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML: {exc}.",
            hint="fix the syntax at that line (strings need quotes, tables need [brackets])",
        ) from exc


def _prepare(data: dict[str, Any], path: Path, base: Path) -> dict[str, Any]:
    """Shape the file's tables into what Settings expects, resolving relative paths."""
    raw = dict(data)
    raw["config_path"] = path.resolve()
    raw.update(backends.prepare_state(raw.pop("state", None), path))
    raw["state_path"] = _under(base, raw["state_path"])
    if isinstance(raw.get("archive_dir", "archive"), str):
        raw["archive_dir"] = _under(base, raw.get("archive_dir", "archive"))
    outbox = raw.get("outbox")
    if isinstance(outbox, dict) and isinstance(outbox.get("path"), str):
        raw["outbox"] = {**outbox, "path": _under(base, outbox["path"])}
    elif outbox is None:
        raw["outbox"] = {"path": base / "outbox"}
    dkim = raw.get("dkim")
    if isinstance(dkim, dict) and isinstance(dkim.get("key_file"), str):
        raw["dkim"] = {**dkim, "key_file": _under(base, dkim["key_file"])}
    lists = raw.get("lists", {})
    if isinstance(lists, dict):
        raw["lists"] = [_prepare_list(name, table, base) for name, table in lists.items()]
    return raw


def _prepare_list(name: str, table: Any, base: Path) -> Any:
    """Give a list table its name and make its file paths absolute."""
    if not isinstance(table, dict):
        return table
    item = {"name": name, **table}
    if isinstance(item.get("subscribers_file"), str):
        item["subscribers_file"] = _under(base, item["subscribers_file"])
    if isinstance(item.get("template_dir"), str):
        item["template_dir"] = _under(base, item["template_dir"])
    sources = item.get("sources")
    if isinstance(sources, list):
        item["sources"] = [_prepare_source(source, base) for source in sources]
    return item


def _prepare_source(source: Any, base: Path) -> Any:
    """Make a source's local path (or local feed file) absolute."""
    if not isinstance(source, dict):
        return source
    item = dict(source)
    if isinstance(item.get("path"), str):
        item["path"] = _under(base, item["path"])
    url = item.get("url")
    if isinstance(url, str) and "://" not in url:
        item["url"] = str(_under(base, url))
    return item


def _under(base: Path, path: str) -> Path:
    """A config path made absolute against the config's folder, with `..` folded."""
    return Path(os.path.normpath(base / Path(path).expanduser()))


def _describe(exc: ValidationError, data: dict[str, Any]) -> list[str]:
    """Turn pydantic's errors into one line per mistake, in the file's own terms."""
    lines = []
    for error in exc.errors():
        loc = _file_loc(error["loc"], data)
        key = loc[-1] if loc else ""
        where = _where(loc[:-1])
        if error["type"] == "extra_forbidden":
            choices = _fields_at(error["loc"][:-1])
            close = difflib.get_close_matches(str(key), choices, n=1)
            fix = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(choices)}"
            lines.append(f"{where}unknown key '{key}'; {fix}")
        elif error["type"] == "missing":
            lines.append(f"{where}missing required key '{key}'; add it")
        else:
            value = error.get("input")
            got = f", got {value!r}" if not isinstance(value, dict | list) else ""
            message = error["msg"].removeprefix("Value error, ")  # our validators' own words
            message = message[0].lower() + message[1:]
            lines.append(f"{where}'{key}': {message}{got}")
    return lines


def _join(path: Path, problems: Sequence[str]) -> str:
    """One message for all problems of one file."""
    if len(problems) == 1:
        return f"{path}: {problems[0]}."
    listed = "\n".join(f"  - {problem}" for problem in problems)
    return f"{path}: {len(problems)} problems:\n{listed}"


def _file_loc(loc: tuple[int | str, ...], data: dict[str, Any]) -> list[str]:
    """Map a pydantic location back to the file's keys (list index → list name)."""
    names = list(data.get("lists", {})) if isinstance(data.get("lists"), dict) else []
    parts: list[str] = []
    for index, part in enumerate(loc):
        if index == 1 and loc[0] == "lists" and isinstance(part, int) and part < len(names):
            parts.append(names[part])
        elif part == "state_path":
            parts.append("state")
        elif part == "kind":
            parts.append("type")
        else:
            parts.append(str(part))
    return parts


def _where(parts: Sequence[str]) -> str:
    """Render a table path like [lists.daily.sources.1] (empty for top-level keys)."""
    return f"[{'.'.join(parts)}] " if parts else ""


_NESTED: dict[str, type[BaseModel]] = {
    "smtp": SmtpSettings,
    "dkim": DkimSettings,
    "sources": SourceSettings,
    "lists": ListSettings,
}


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed in the table at this location, for a "did you mean"."""
    model: type[BaseModel] = Settings
    for part in loc:
        if isinstance(part, str):
            model = _NESTED.get(part, model) if part in _NESTED else _sub_model(model, part)
    hidden = {"config_path", "password", "key", "unsubscribe_key", *backends.HIDDEN} | (
        {"name"} if model is ListSettings else set()
    )
    names = [
        field.alias or name
        for name, field in model.model_fields.items()
        if name not in hidden and not (model is Settings and name == "state_path")
    ]
    return sorted([*names, "state"] if model is Settings else names)


def _sub_model(model: type[BaseModel], field: str) -> type[BaseModel]:
    """The model class of a nested table field (outbox, smtp), else the model itself."""
    info = model.model_fields.get(field)
    annotation = info.annotation if info else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return model


def _check_semantics(settings: Settings, path: Path) -> list[str]:
    """Checks that span keys: time zones, source fields, duplicate names."""
    problems = []
    zones = [("timezone", settings.timezone)] + [
        (f"[lists.{item.name}] timezone", item.timezone) for item in settings.lists if item.timezone
    ]
    for key, zone in zones:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                f"{key}: unknown time zone {zone!r}; use an IANA name like 'Europe/Berlin'"
            )
    if not settings.lists:
        problems.append("no lists defined; add a [lists.NAME] table with title and sources")
    problems.extend(_check_addresses(settings))
    if settings.smtp.username and not settings.smtp.password_env:
        problems.append(
            f"[smtp] username {settings.smtp.username!r} is set but password_env is not; "
            "name the environment variable that holds the password: password_env = "
            '"DIGEST_SMTP_PASSWORD" (or remove username for a server without AUTH)'
        )
    if settings.archive_url is not None and not settings.archive_url.startswith(
        ("https://", "http://")
    ):
        problems.append(
            f"archive_url: {settings.archive_url!r} is not an absolute http(s) URL; "
            "links in the email must work anywhere, e.g. 'https://example.org/archive'"
        )
    for item in settings.lists:
        problems.extend(_check_list(item))
    return problems


def _check_addresses(settings: Settings) -> list[str]:
    """The From and Reply-To addresses: every message of every list carries them."""
    problems = []
    for key, value in (("sender", settings.sender), ("reply_to", settings.reply_to)):
        if value is None:
            continue
        local, at, domain = parseaddr(value)[1].rpartition("@")
        if not (at and local and domain):
            problems.append(
                f"{key}: {value!r} has no email address; "
                f'write {key} = "Name <digest@your-domain.org>" or just the address'
            )
    return problems


def _check_list(item: ListSettings) -> list[str]:
    """Per-list checks: each source has what its type needs; names are unique."""
    problems = []
    try:
        schedule.parse(item.schedule)
    except ValueError as exc:
        problems.append(f"[lists.{item.name}] schedule: {exc}; use {schedule.ACCEPTED_FORMS}")
    seen: set[str] = set()
    for index, source in enumerate(item.sources):
        where = f"[lists.{item.name}.sources.{index}]"
        if source.name in seen:
            problems.append(f"{where} name: duplicate source name {source.name!r}; rename one")
        seen.add(source.name)
        if source.kind == "folder" and source.path is None:
            problems.append(f"{where} type 'folder' needs 'path' (a folder of .txt/.md/.html)")
        if source.kind in ("feed", "page") and not (source.url or source.path):
            problems.append(f"{where} type '{source.kind}' needs 'url' (http(s) URL or file)")
    if item.subscribers_file is not None and not item.subscribers_file.is_file():
        problems.append(
            f"[lists.{item.name}] subscribers_file: {item.subscribers_file} does not exist; "
            "create it (header row: email,name) or remove the key"
        )
    if item.template_dir is not None and not item.template_dir.is_dir():
        problems.append(
            f"[lists.{item.name}] template_dir: {item.template_dir} is not a folder; "
            "create it (with digest.html.j2 and/or digest.txt.j2) or remove the key"
        )
    return problems
