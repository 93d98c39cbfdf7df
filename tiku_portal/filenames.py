"""User text never becomes a file path.

Files are stored under names made of ids and random tokens (documents.models.document_path,
applications.models.attachment_path). The friendly Chinese name a person sees is only a
download name: sent in Content-Disposition (Django writes RFC 6266/5987 ``filename*``) and used
for entries inside a zip. `display_name` makes such a name safe for both.
"""

import os
import re

# Characters Windows refuses in file names, and "/" which would make a folder in a zip: shown
# as their full-width forms, so "杭州/滨江" still reads as typed.
_FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in '/\\:*?"<>|'})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


def safe_suffix(name: str) -> str:
    """The name's extension if it is a plain one (".pdf", ".xlsx"), else ""."""
    suffix = os.path.splitext(name)[1].lower()
    return suffix if _SUFFIX.fullmatch(suffix) else ""


def display_name(name: str, max_length: int = 200, default: str = "下载文件") -> str:
    """A download name that shows what was typed but holds no path, and fits ``max_length``."""
    text = _CONTROL.sub("", name or "").translate(_FULL_WIDTH)
    # A leading dot hides a file; trailing dots and spaces are dropped by Windows.
    text = text.strip(" .")
    suffix = safe_suffix(text)
    stem = text[: len(text) - len(suffix)] if suffix else text
    stem = stem.strip(" .") or default
    return stem[: max_length - len(suffix)] + suffix
