"""Text folding shared by the NLU featurizer, the handoff triggers and the custom actions.

Pure Python (no Rasa imports), so the action server can use it as well.

Example::

    fold("Narudžba STIGLA")   # "narudzba stigla"
"""

from __future__ import annotations

import unicodedata

# Letters whose diacritic is not a combining mark in Unicode (NFD leaves them whole).
_FOLD = str.maketrans({"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i"})


def fold(text: str) -> str:
    """Lower case without Latin combining diacritics (č -> c, ё -> е); other marks are kept.

    Only U+0300..U+036F are dropped: Tamil vowel signs and other scripts' marks carry meaning.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD).lower())
    kept = "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    return unicodedata.normalize("NFC", kept)
