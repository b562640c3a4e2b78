"""The greeting at the top of each email: the reader's first name where one can be told.

"Cem Çelik" is greeted "Hi Cem,"; a name that tells no first name (empty, an address, a
title such as "Dr. X", initials, one that shouts in capitals, or one written family name
first) gets the neutral "Hello,", never "Hi ," or "Hi Dr.,". personalize() calls this
once per recipient, so it is a few string operations, no more.
"""

from __future__ import annotations

import unicodedata

__all__ = ["NEUTRAL", "first_name", "greeting"]

NEUTRAL = "Hello,"
"""The greeting when the name tells no first name (and on the archive's pages)."""

_TITLES = frozenset(
    {
        *("mr", "mrs", "ms", "mx", "miss", "dr", "prof", "sir", "dame", "lord", "lady", "rev"),
        *("fr", "herr", "frau", "mme", "mlle", "sr", "sra", "srta", "dott", "ing", "mag"),
    }
)
"""Forms of address: a name that starts with one is greeted neutrally, not "Hi Dr.,"."""
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "esq", "msc", "bsc"})
"""What may follow a comma without being a first name ("Ada Lovelace, PhD")."""
_NAME_PUNCTUATION = frozenset("-'\u2019")
# Scripts whose names are usually written family name first: the first word is no first name.
_FAMILY_FIRST_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL")


def greeting(name: str) -> str:
    """ "Hi <first name>," when the name tells one, else the neutral greeting."""
    first = first_name(name)
    return f"Hi {first}," if first else NEUTRAL


def first_name(name: str) -> str:
    """The reader's first name as written in name, or "" when it cannot be told.

    >>> first_name("Ada Lovelace"), first_name("Lovelace, Ada"), first_name("Dr. X")
    ('Ada', 'Ada', '')
    """
    before, comma, after = " ".join(name.split()).partition(",")
    words = before.split()
    if comma:
        rest = after.replace(",", " ").split()
        if len(words) == 1 and rest and _bare(rest[0]) not in _SUFFIXES:
            words = rest  # "Lovelace, Ada"
    if not words or _bare(words[0]) in _TITLES:
        return ""
    if not any(c.islower() for c in name) and any(c.isupper() for c in name):
        return ""  # "ADMIN", "ADA LOVELACE": a role, or no telling how the name is written
    first = words[0]
    return first if _is_given_name(first) else ""


def _bare(word: str) -> str:
    return word.lower().rstrip(".")


def _is_given_name(word: str) -> bool:
    """Letters, with the hyphen and apostrophe that names have; two letters at least."""
    letters = 0
    for char in word:
        if char.isalpha():
            if unicodedata.name(char, "").startswith(_FAMILY_FIRST_SCRIPTS):
                return False
            letters += 1
        elif char not in _NAME_PUNCTUATION and not unicodedata.combining(char):
            return False  # digits, "@", ".", "<", "&", quotes: not a name as written
    return letters >= 2
