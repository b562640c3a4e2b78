"""Config loading: valid files become Settings; every mistake names file, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config._load import config_path, load_settings
from digest.config._settings import is_placeholder_url
from digest.errors import ConfigError

from ..conftest import ROOT

EXAMPLE = ROOT / "config" / "digest.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "digest.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
sender = "d@example.org"
[lists.daily]
title = "Daily"
[[lists.daily.sources]]
name = "notes"
type = "folder"
path = "notes"
"""


def test_example_config_loads_with_resolved_paths():
    settings = load_settings(EXAMPLE, environ={})
    assert [item.name for item in settings.lists] == ["daily", "weekly"]
    daily = settings.lists[0]
    assert daily.points == 3 and daily.algorithm == "digest"
    assert daily.sources[0].path == (ROOT / "config" / "sources" / "notes").resolve()
    assert (
        settings.outbox.path == (ROOT / "outbox").resolve() or settings.outbox.path.name == "outbox"
    )
    assert settings.state_path.name == "digest.sqlite"
    assert settings.list_timezone(daily) == "Europe/Berlin"


def test_minimal_config_gets_defaults(tmp_path):
    settings = load_settings(write(tmp_path, MINIMAL), environ={})
    assert settings.transport == "outbox"
    assert settings.state_path == tmp_path / "state" / "digest.sqlite"
    assert settings.lists[0].sources[0].path == tmp_path / "notes"


def test_unknown_key_gets_did_you_mean(tmp_path):
    path = write(tmp_path, MINIMAL.replace('title = "Daily"', 'titel = "Daily"'))
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    text = str(info.value)
    assert str(path) in text
    assert "[lists.daily] unknown key 'titel'; did you mean 'title'?" in text
    assert "missing required key 'title'" in text


def test_bad_value_names_key_value_and_table(tmp_path):
    path = write(tmp_path, MINIMAL + '\n[smtp]\nport = "abc"\n')
    with pytest.raises(ConfigError, match=r"\[smtp\] 'port': .*got 'abc'"):
        load_settings(path, environ={})


def test_bad_source_type_lists_choices(tmp_path):
    path = write(tmp_path, MINIMAL.replace('type = "folder"', 'type = "rss"'))
    with pytest.raises(ConfigError, match=r"\[lists.daily.sources.0\] 'type': .*'feed'.*got 'rss'"):
        load_settings(path, environ={})


def test_toml_syntax_error(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "sender = \n"), environ={})


def test_missing_file_has_hint(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "nope.toml", environ={})
    assert "config file not found" in str(info.value)
    assert info.value.hint and "--config" in info.value.hint


def test_unknown_timezone_and_missing_source_fields(tmp_path):
    text = MINIMAL.replace(
        'sender = "d@example.org"', 'sender = "d@example.org"\ntimezone = "Mars/Base"'
    )
    text += '[[lists.daily.sources]]\nname = "feed"\ntype = "feed"\n'
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), environ={})
    text = str(info.value)
    assert "unknown time zone 'Mars/Base'" in text
    assert "[lists.daily.sources.1] type 'feed' needs 'url'" in text


def test_smtp_password_only_from_environment(tmp_path):
    text = 'transport = "smtp"\n' + MINIMAL
    text += '[smtp]\nusername = "u"\npassword_env = "TEST_SMTP_PW"\n'
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"\$TEST_SMTP_PW, which is not set"):
        load_settings(path, environ={})
    settings = load_settings(path, environ={"TEST_SMTP_PW": "s3cret"})
    assert settings.smtp.password is not None
    assert settings.smtp.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


def test_password_key_in_file_is_refused(tmp_path):
    path = write(tmp_path, MINIMAL + '\n[smtp]\npasword = "x"\n')
    with pytest.raises(ConfigError, match="did you mean 'password_env'"):
        load_settings(path, environ={})


def test_config_path_precedence():
    assert config_path("a.toml", {"DIGEST_CONFIG": "b.toml"}) == Path("a.toml")
    assert config_path(None, {"DIGEST_CONFIG": "b.toml"}) == Path("b.toml")
    assert config_path(None, {}) == Path("config/digest.toml")


@pytest.mark.parametrize(
    ("hours", "got"), [("inf", "inf"), ("17700000", "17700000"), ("876000.5", "876000.5")]
)
def test_window_hours_beyond_100_years_is_refused_with_the_maximum(tmp_path, hours, got):
    path = write(
        tmp_path, MINIMAL.replace('title = "Daily"', f'title = "Daily"\nwindow_hours = {hours}')
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert (
        f"[lists.daily] 'window_hours': input should be less than or equal to 876000, got {got}."
        in str(info.value)
    )


def test_window_hours_of_100_years_is_accepted(tmp_path):
    path = write(
        tmp_path, MINIMAL.replace('title = "Daily"', 'title = "Daily"\nwindow_hours = 876000')
    )
    assert load_settings(path, environ={}).lists[0].window_hours == 876000


@pytest.mark.parametrize(
    ("keys", "max_age"),
    [("", 720), ("max_age_hours = 48", 48), ("window_hours = 24", 24),
     ("max_age_hours = 48\nwindow_hours = 24", 48)],
)  # fmt: skip
def test_max_age_hours_defaults_to_30_days_and_window_hours_is_its_older_name(
    tmp_path, keys, max_age
):
    path = write(tmp_path, MINIMAL.replace('title = "Daily"', f'title = "Daily"\n{keys}'))
    (item,) = load_settings(path, environ={}).lists
    assert item.max_age == max_age and item.carry_over is True


def test_max_age_hours_and_carry_over_are_checked(tmp_path):
    keys = 'max_age_hours = 0\ncarry_over = "sometimes"'
    path = write(tmp_path, MINIMAL.replace('title = "Daily"', f'title = "Daily"\n{keys}'))
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert "[lists.daily] 'max_age_hours': input should be greater than 0, got 0\n" in str(
        info.value
    )
    assert "[lists.daily] 'carry_over': input should be a valid boolean" in str(info.value)


def test_grace_hours_inf_is_refused(tmp_path):
    path = write(tmp_path, MINIMAL + "\n[schedule]\ngrace_hours = inf\n")
    with pytest.raises(
        ConfigError,
        match=r"\[schedule\] 'grace_hours': input should be less than or equal to 876000, got inf",
    ):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    ("table", "key", "instead"),
    [
        ("[smtp]\n", 'password = "hunter2"', 'write password_env = "DIGEST_SMTP_PASSWORD"'),
        (
            '[dkim]\nselector = "s"\ndomain = "example.org"\n',
            'key = "-----BEGIN PRIVATE KEY-----"',
            'write key_env = "DIGEST_DKIM_KEY"',
        ),
        ("", 'unsubscribe_key = "k"', 'write unsubscribe_key_env = "DIGEST_UNSUBSCRIBE_KEY"'),
    ],
)
def test_a_secret_written_in_the_file_is_refused(tmp_path, table, key, instead):
    text = f"{key}\n{MINIMAL}" if not table else f"{MINIMAL}\n{table}{key}\n"
    path = write(tmp_path, 'transport = "smtp"\n' + text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={"DIGEST_SMTP_PASSWORD": "x", "DIGEST_DKIM_KEY": "x"})
    name = key.split(" ")[0]
    where = table.split("\n")[0] + " " if table else ""
    assert f"{where}{name}: secrets never go in the config file; remove it and {instead}" in str(
        info.value
    )
    assert info.value.hint and "password_env" in info.value.hint
    assert "hunter2" not in str(info.value) and "BEGIN" not in str(info.value)


def test_a_secret_in_the_file_is_reported_with_the_other_mistakes(tmp_path):
    path = write(
        tmp_path,
        MINIMAL.replace('title = "Daily"', 'titel = "Daily"') + '\n[smtp]\npassword = "x"\n',
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert "3 problems" in str(info.value)
    assert "[smtp] password: secrets never go in the config file" in str(info.value)
    assert "unknown key 'titel'" in str(info.value)


def test_smtp_username_without_password_env_is_refused(tmp_path):
    path = write(tmp_path, MINIMAL + '\n[smtp]\nusername = "digest@example.org"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert (
        "[smtp] username 'digest@example.org' is set but password_env is not; name the "
        'environment variable that holds the password: password_env = "DIGEST_SMTP_PASSWORD"'
    ) in str(info.value)


@pytest.mark.parametrize("key", ["sender", "reply_to"])
def test_an_address_without_email_is_reported_under_its_key(tmp_path, key):
    text = MINIMAL.replace(
        'sender = "d@example.org"', f'sender = "d@example.org"\n{key} = "not an address"'
    )
    text = text.replace('sender = "d@example.org"\n', "", 1) if key == "sender" else text
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), environ={})
    assert str(info.value).endswith(
        f"digest.toml: {key}: 'not an address' has no email address; "
        f'write {key} = "Name <digest@your-domain.org>" or just the address.'
    )


@pytest.mark.parametrize(
    ("url", "is_placeholder"),
    [
        ("https://digest.example.org", True),
        ("https://example.com/", True),
        ("http://EXAMPLE.NET.:8080/x", True),
        ("https://news.example", True),
        ("https://digest.riverton.org", False),
        ("https://example.org.riverton.de", False),
        ("https://myexample.org", False),
    ],
)
def test_placeholder_urls_are_the_reserved_example_domains(url, is_placeholder):
    assert is_placeholder_url(url) is is_placeholder


def test_allow_networks_are_ip_networks_and_a_mistake_says_the_fix(tmp_path):
    import ipaddress

    path = write(tmp_path, MINIMAL + '[collect]\nallow_networks = ["10.0.0.0/8", "fd00::/8"]\n')
    assert load_settings(path, environ={}).collect.allow_networks == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("fd00::/8"),
    )
    assert load_settings(write(tmp_path, MINIMAL), environ={}).collect.allow_networks == ()
    cases = {
        '["10.0.0.1/8"]': "[collect] 'allow_networks': '10.0.0.1/8' has bits set past its "
        'prefix: write "10.0.0.0/8".',
        '["intranet"]': "[collect] 'allow_networks': 'intranet' is not an IP network: write "
        'addresses with a prefix, e.g. "10.0.0.0/8", "192.168.1.20/32" or "fd00::/8" (not '
        "host names).",
        '"10.0.0.0/8"': "[collect] 'allow_networks': must be a list of networks, e.g. "
        "[\"10.0.0.0/8\"], got '10.0.0.0/8'.",
    }
    for value, message in cases.items():
        path = write(tmp_path, MINIMAL + f"[collect]\nallow_networks = {value}\n")
        with pytest.raises(ConfigError) as caught:
            load_settings(path, environ={})
        assert str(caught.value) == f"{path}: {message}"


BACKEND_BASE = """
sender = "d@example.org"
[lists.daily]
title = "Daily"
"""


@pytest.mark.parametrize(
    ("tables", "state_url", "state_path"),
    [
        ("", None, "state/digest.sqlite"),
        ('state = "s/one.sqlite"', None, "s/one.sqlite"),
        ('[state]\nurl = "s/two.sqlite"', None, "s/two.sqlite"),
        ('[state]\nurl = "postgresql://digest@db/digest"', "postgresql://digest@db/digest", None),
    ],
)
def test_the_state_url_chooses_the_engine(tmp_path, tables, state_url, state_path):
    path = tmp_path / "digest.toml"
    top, _, table = tables.partition("[")
    path.write_text(top + BACKEND_BASE + (f"[{table}\n" if table else ""), encoding="utf-8")
    settings = load_settings(path, environ={})
    assert settings.state_url == state_url
    if state_path:
        assert settings.state_path == tmp_path / state_path
        assert settings.state_location() == tmp_path / state_path
    else:
        assert settings.state_location() == state_url


@pytest.mark.parametrize(
    ("tables", "environ", "message"),
    [
        ('[state]\nurl = "postgresql://u:pw@db/x"', {}, r"\[state\] url holds a password"),
        ('[state]\nurl = "postgresql://u@db/x"\nhost = "db"', {}, r"\[state\] has no key 'host'"),
        (
            '[state]\nurl = "postgresql://u@db/x"\npassword_env = "PGPW"',
            {},
            r"\[state\] password_env names \$PGPW, which is not set",
        ),
        ('[queue]\nurl = "redis://127.0.0.1"', {}, r"\[queue\] needs \[state\] url"),
        (
            '[state]\nurl = "postgresql://u@db/x"\n[queue]\nurl = "http://q"',
            {},
            r"\[queue\] url must be a redis://",
        ),
        (
            '[state]\nurl = "postgresql://u@db/x"\n[queue]\nurl = "redis://:pw@q"',
            {},
            r"\[queue\] url holds a password",
        ),
    ],
)
def test_backend_mistakes_name_the_key(tmp_path, tables, environ, message):
    path = tmp_path / "digest.toml"
    path.write_text(BACKEND_BASE + tables + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(path, environ=environ)


def test_backend_passwords_come_from_the_environment(tmp_path):
    path = tmp_path / "digest.toml"
    path.write_text(
        BACKEND_BASE + '[state]\nurl = "postgresql://u@db/x"\npassword_env = "PGPW"\n'
        '[queue]\nurl = "redis://q:6379/0"\npassword_env = "RPW"\nbatch = 50\n',
        encoding="utf-8",
    )
    settings = load_settings(path, environ={"PGPW": "pg-secret", "RPW": "redis-secret"})
    assert settings.state_password is not None
    assert settings.state_password.get_secret_value() == "pg-secret"
    assert settings.queue is not None and settings.queue.batch == 50
    assert settings.queue.password is not None
    assert settings.queue.password.get_secret_value() == "redis-secret"
    assert "secret" not in repr(settings)
