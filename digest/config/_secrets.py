"""Secrets: refused when written in the config file, filled from the environment it names.

A password, a DKIM key or the unsubscribe key never sit in the file: the file names the
environment variable (or key file) that holds each, and loading fills them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from ..errors import ConfigError
from ._settings import Settings

SECRET_HINT = (
    "keep secrets in environment variables and name them in the config: "
    '[smtp] password_env = "DIGEST_SMTP_PASSWORD", [dkim] key_env or key_file, '
    'unsubscribe_key_env = "DIGEST_UNSUBSCRIBE_KEY"'
)

_SECRET_KEYS: tuple[tuple[str | None, str, str], ...] = (
    ("smtp", "password", 'password_env = "DIGEST_SMTP_PASSWORD" (the variable\'s name)'),
    ("dkim", "key", 'key_env = "DIGEST_DKIM_KEY" (a variable holding the PEM) or key_file'),
    (None, "unsubscribe_key", 'unsubscribe_key_env = "DIGEST_UNSUBSCRIBE_KEY"'),
)
"""Keys that would put a secret in the file: (table, key, what to write instead)."""


def secrets_in_file(data: dict[str, Any]) -> list[str]:
    """A problem for each secret written into the file itself, naming the key to use instead.

    The file is kept in git and shown in reviews; a secret there leaks with it.
    """
    problems = []
    for table, key, instead in _SECRET_KEYS:
        holder = data if table is None else data.get(table)
        if isinstance(holder, dict) and key in holder:
            problems.append(
                f"{f'[{table}] ' if table else ''}{key}: secrets never go in the config "
                f"file; remove it and write {instead}, then export the secret in the "
                "environment"
            )
    return problems


def without_secrets(data: dict[str, Any]) -> dict[str, Any]:
    """The file's tables minus the secret keys (already reported), so none reaches Settings."""
    clean = dict(data)
    for table, key, _ in _SECRET_KEYS:
        if table is None:
            clean.pop(key, None)
        elif isinstance(clean.get(table), dict):
            clean[table] = {k: v for k, v in clean[table].items() if k != key}
    return clean


def _with_secrets(settings: Settings, path: Path, env: Mapping[str, str]) -> Settings:
    """Fill the SMTP password from the environment variable the config names."""
    smtp = settings.smtp
    if settings.transport != "smtp" or not smtp.password_env:
        return settings
    secret = env.get(smtp.password_env)
    if secret is None:
        raise ConfigError(
            f"{path}: [smtp] password_env names ${smtp.password_env}, which is not set.",
            hint=f"export {smtp.password_env}=... before running, or remove password_env",
        )
    return settings.model_copy(
        update={"smtp": smtp.model_copy(update={"password": SecretStr(secret)})}
    )


def _with_dkim_key(settings: Settings, path: Path, env: Mapping[str, str]) -> Settings:
    """Fill the DKIM private key from [dkim] key_file or the variable named by key_env."""
    dkim = settings.dkim
    if dkim is None:
        return settings
    if (dkim.key_file is None) == (dkim.key_env is None):
        raise ConfigError(
            f"{path}: [dkim] needs exactly one of key_file and key_env.",
            hint="set key_file to the PEM file of the private key, or key_env to the name of "
            "an environment variable that holds it",
        )
    if dkim.key_env is not None:
        pem = env.get(dkim.key_env)
        if not pem:
            raise ConfigError(
                f"{path}: [dkim] key_env names ${dkim.key_env}, which is not set.",
                hint=f"export {dkim.key_env} with the PEM private key, or use key_file",
            )
    else:
        assert dkim.key_file is not None
        try:
            pem = dkim.key_file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not a PEM text file"
            raise ConfigError(
                f"{path}: [dkim] key_file: cannot read {dkim.key_file}: {reason}.",
                hint="point key_file at the PEM private key (relative to the config file)",
            ) from exc
    if "PRIVATE KEY-----" not in pem:
        where = f"${dkim.key_env}" if dkim.key_env else str(dkim.key_file)
        raise ConfigError(
            f"{path}: [dkim] {where} holds no PEM private key.",
            hint="make one with `openssl genrsa -out dkim.pem 2048`",
        )
    keyed = dkim.model_copy(update={"key": SecretStr(pem)})
    return settings.model_copy(update={"dkim": keyed})


def with_secrets(settings: Settings, path: Path, env: Mapping[str, str]) -> Settings:
    """The settings with every secret filled from the environment (or the DKIM key file)."""
    settings = _with_dkim_key(_with_secrets(settings, path, env), path, env)
    if env.get(settings.unsubscribe_key_env):
        key = SecretStr(env[settings.unsubscribe_key_env])
        settings = settings.model_copy(update={"unsubscribe_key": key})
    return _with_backend_secrets(settings, path, env)


def _with_backend_secrets(settings: Settings, path: Path, env: Mapping[str, str]) -> Settings:
    """Fill the PostgreSQL and Redis passwords from the variables the config names."""
    update: dict[str, Any] = {}
    if settings.state_password_env:
        update["state_password"] = SecretStr(
            _variable(env, settings.state_password_env, path, "[state] password_env")
        )
    queue = settings.queue
    if queue is not None and queue.password_env:
        secret = SecretStr(_variable(env, queue.password_env, path, "[queue] password_env"))
        update["queue"] = queue.model_copy(update={"password": secret})
    return settings.model_copy(update=update) if update else settings


def _variable(env: Mapping[str, str], name: str, path: Path, key: str) -> str:
    value = env.get(name)
    if value is None:
        raise ConfigError(
            f"{path}: {key} names ${name}, which is not set.",
            hint=f"export {name}=... before running, or remove {key.split()[-1]}",
        )
    return value
