"""Mapping functions this plugin adds: usable in every mapping, as a call or as a filter."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["hashtags"]

_HASHTAG = re.compile(r"(?<![\w#])#(\w[\w-]*)")


def hashtags(text: Any) -> list[str]:
    """The #tags in ``text``, lower-cased, first occurrence first: "Buy #Milk #milk" -> ["milk"].

    Lets a mapping turn free text from a source into the `tags` list notes carry.
    """
    if not text:
        return []
    return list(dict.fromkeys(tag.lower() for tag in _HASHTAG.findall(str(text))))
