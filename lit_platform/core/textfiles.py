"""Uploaded and command-line text files: UTF-8 or a clear error naming the line."""
from __future__ import annotations


class NotText(ValueError):
    """A file that is not UTF-8 text, with a message naming the file and line."""


def decode_utf8(raw: bytes, filename: str) -> str:
    """The text of `raw` (a leading byte-order mark dropped); raises NotText naming the first bad line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise NotText(f"{filename}, line {line}: this is not UTF-8 text. Save the file as 'CSV UTF-8' "
                      "(in a spreadsheet) or as UTF-8 (in a text editor) and try again.") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise NotText(f"{filename}, line {line}: this looks like a binary file, not a CSV text file.")
    return text
