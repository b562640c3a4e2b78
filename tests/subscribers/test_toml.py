"""Editing an array of tables in a TOML file with tomlkit: every byte not edited stays."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from digest.errors import ConfigError
from digest.subscribers._toml import TomlFile, Values, header_lines

PATH = Path("readers.toml")
SUBSCRIBERS = ("subscribers",)
DAILY = ("lists", "daily", "subscribers")

READERS = """\
# Readers of the daily list.

[[subscribers]]
email = "ada@example.org"   # since 2019
name = "Ada"

# Grace asked for plain text.
[[subscribers]]
email = "grace@example.org"
format = "text"

# end of the list
"""


def edited(text: str, *edits: tuple[str, Any], array: tuple[str, ...] = SUBSCRIBERS) -> str:
    """The file after the edits, each ("update", (index, changes)), ("add", values) or
    ("remove", index), checked to hold the data tomllib expects."""
    file = TomlFile(PATH, text.encode("utf-8"), array)
    for action, argument in edits:
        if action == "update":
            index, changes = argument
            file.update(index, changes)
        elif action == "add":
            assert isinstance(argument, dict)
            file.add(argument)
        else:
            assert isinstance(argument, int)
            file.remove(argument)
    result = file.render().decode("utf-8")
    data = tomllib.loads(result)
    for part in array:
        data = data.get(part, {})
    expected: list[Values] = [e for e in file.entries if e is not None]
    assert (data or []) == expected
    return result


@pytest.mark.parametrize(
    "text",
    [
        READERS,
        READERS.replace("\n", "\r\n"),
        "",
        "# only a comment",
        '[[subscribers]]\nemail = "a@example.org"',  # no newline at the end
        'subscribers = [{ email = "a@example.org" }]\n',
        '[lists.daily]\ntitle = "D"\n\n[lists.weekly]\ntitle = "W"\n\n'
        '[[lists.daily.subscribers]]\nemail = "a@example.org"\n',  # written apart
    ],
)
def test_nothing_edited_is_the_same_bytes(text):
    array = DAILY if "lists" in text else SUBSCRIBERS
    assert TomlFile(PATH, text.encode("utf-8"), array).render() == text.encode("utf-8")


def test_a_new_key_goes_after_the_last_one_not_under_the_next_tables_comment():
    result = edited(READERS, ("update", (0, {"status": "paused"})))

    assert result == READERS.replace('name = "Ada"\n', 'name = "Ada"\nstatus = "paused"\n')


def test_a_changed_value_keeps_its_comment_and_a_removed_key_goes_with_its_line():
    result = edited(READERS, ("update", (0, {"email": "ada@example.com", "name": None})))

    assert result == READERS.replace(
        'email = "ada@example.org"   # since 2019\nname = "Ada"\n',
        'email = "ada@example.com"   # since 2019\n',
    )


def test_a_new_entry_goes_after_the_last_before_the_comments_that_end_the_file():
    result = edited(READERS, ("add", {"email": "lin@example.org", "topics": ["bikes", "-sport"]}))

    assert result == READERS.replace(
        'format = "text"\n',
        'format = "text"\n\n[[subscribers]]\nemail = "lin@example.org"\n'
        'topics = ["bikes", "-sport"]\n',
    )


def test_removing_an_entry_keeps_the_comments_around_it_and_drops_one_blank_line():
    assert edited(READERS, ("remove", 1)) == READERS.replace(
        '[[subscribers]]\nemail = "grace@example.org"\nformat = "text"\n\n', ""
    )
    assert edited(READERS, ("remove", 0)) == READERS.replace(
        '[[subscribers]]\nemail = "ada@example.org"   # since 2019\nname = "Ada"\n\n', ""
    )
    assert edited(READERS, ("remove", 0), ("remove", 1)) == (
        "# Readers of the daily list.\n\n# Grace asked for plain text.\n# end of the list\n"
    )


def test_removing_then_adding_an_entry_gives_the_file_back():
    text = '[[subscribers]]\nemail = "a@example.org"\n\n[[subscribers]]\nemail = "b@example.org"\n'
    removed = edited(text, ("remove", 1))

    assert removed == '[[subscribers]]\nemail = "a@example.org"\n'
    assert edited(removed, ("add", {"email": "b@example.org"})) == text


def test_crlf_files_get_crlf_lines():
    text = READERS.replace("\n", "\r\n")

    result = edited(text, ("update", (1, {"name": "Grace"})), ("add", {"email": "lin@example.org"}))

    assert "\n" not in result.replace("\r\n", "")
    assert result == text.replace(
        'format = "text"\r\n',
        'format = "text"\r\nname = "Grace"\r\n\r\n[[subscribers]]\r\nemail = "lin@example.org"\r\n',
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", '[[subscribers]]\nemail = "a@example.org"\n'),
        ("# our readers\n", '# our readers\n\n[[subscribers]]\nemail = "a@example.org"\n'),
        ("# our readers\n\n", '# our readers\n\n[[subscribers]]\nemail = "a@example.org"\n'),
        ("# our readers", '# our readers\n\n[[subscribers]]\nemail = "a@example.org"\n'),
    ],
)
def test_the_first_entry_of_a_file_goes_at_its_end(text, expected):
    assert edited(text, ("add", {"email": "a@example.org"})) == expected


def test_a_file_without_a_final_newline_gets_one_before_what_is_added():
    text = '[[subscribers]]\nemail = "a@example.org"'

    assert edited(text, ("update", (0, {"name": "A"}))) == text + '\nname = "A"\n'
    assert edited(text, ("add", {"email": "b@example.org"})) == (
        text + '\n\n[[subscribers]]\nemail = "b@example.org"\n'
    )


def test_the_first_inline_entry_of_a_list_goes_after_its_keys_before_its_sources():
    config = (
        '[lists.daily]\ntitle = "Daily"\n# sources below\n\n[[lists.daily.sources]]\n'
        'name = "Notes"\n\n[lists.weekly]\ntitle = "Weekly"\n'
    )

    result = edited(config, ("add", {"email": "a@example.org"}), array=DAILY)

    assert result == config.replace(
        'title = "Daily"\n',
        'title = "Daily"\n\n[[lists.daily.subscribers]]\nemail = "a@example.org"\n',
    )
    weekly = ("lists", "weekly", "subscribers")
    assert edited(config, ("add", {"email": "w@example.org"}), array=weekly) == (
        config + '\n[[lists.weekly.subscribers]]\nemail = "w@example.org"\n'
    )


def test_a_new_key_lines_up_with_the_keys_of_an_indented_entry():
    text = '[lists.daily]\ntitle = "D"\n  [[lists.daily.subscribers]]\n  email = "a@example.org"\n'

    result = edited(text, ("update", (0, {"name": "A"})), array=DAILY)

    assert result == text + '  name = "A"\n'


def test_an_inline_array_is_edited_as_tomlkit_writes_inline_tables():
    text = 'subscribers = [{ email = "a@example.org" }, { email = "b@example.org" }]\n'

    result = edited(
        text,
        ("update", (0, {"status": "paused"})),
        ("remove", 1),
        ("add", {"email": "c@example.org"}),
    )

    assert tomllib.loads(result)["subscribers"] == [
        {"email": "a@example.org", "status": "paused"},
        {"email": "c@example.org"},
    ]


def test_an_array_written_in_parts_is_edited_where_each_entry_is():
    config = (
        '[lists.daily]\ntitle = "D"\n\n[[lists.daily.subscribers]]\nemail = "a@example.org"\n\n'
        '[lists.weekly]\ntitle = "W"\n\n[[lists.daily.subscribers]]\nemail = "b@example.org"\n'
    )

    result = edited(
        config,
        ("update", (0, {"name": "A"})),
        ("add", {"email": "c@example.org"}),
        ("remove", 1),
        array=DAILY,
    )

    assert result == config.replace(
        'email = "a@example.org"\n', 'email = "a@example.org"\nname = "A"\n'
    ).replace('[[lists.daily.subscribers]]\nemail = "b@example.org"\n', "") + (
        '[[lists.daily.subscribers]]\nemail = "c@example.org"\n'
    )


def test_a_file_tomlkit_would_rewrite_is_refused_not_reordered():
    text = (
        '[[subscribers]]\nemail = "a@example.org"\n[extra]\nx = 1\n[[subscribers]]\nemail = "b"\n'
    )

    with pytest.raises(ConfigError) as caught:
        TomlFile(PATH, text.encode("utf-8"), SUBSCRIBERS)

    assert str(caught.value) == (
        "readers.toml: cannot be edited in place: tomlkit would not write the rest of it back "
        "as it is; edit it by hand."
    )
    assert caught.value.hint == (
        "tables of one array written apart are moved together: write the [[subscribers]] "
        "tables one after another"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[[subscribers]\n", "readers.toml: not valid TOML: "),
        (b"\xff", "readers.toml: not valid TOML: "),
        (
            b'subscribers = "a@example.org"\n',
            "readers.toml: subscribers is not an array of tables.",
        ),
    ],
)
def test_what_cannot_be_edited_says_so(data, message):
    with pytest.raises(ConfigError, match="^" + message.replace(".", r"\.")):
        TomlFile(PATH, data, SUBSCRIBERS)


def test_header_lines_for_messages():
    text = READERS + '\n[[ "subscribers" ]]  # spelt another way\nemail = "c@example.org"\n'
    assert header_lines(text, SUBSCRIBERS, 3) == [3, 8, 14]

    tricky = (
        '[[subscribers]]\nemail = "a@example.org"\nname = """A\n[[subscribers]]\n"""\n\n'
        '[[subscribers]]\nemail = "b@example.org"\n'
    )
    assert header_lines(tricky, SUBSCRIBERS, 2) == [1, 7]  # a header in a string is none

    config = "[[lists.daily.subscribers]]\nemail = 'a'\n[[ lists . 'daily' . subscribers ]]\n"
    assert header_lines(config + "email = 'b'\n", DAILY, 2) == [1, 3]
    assert header_lines('subscribers = [{ email = "a@example.org" }]\n', SUBSCRIBERS, 1) is None
