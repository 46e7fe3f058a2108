"""A growing window on a text stream, for readers that parse a large file piece by piece."""

from __future__ import annotations

from typing import TextIO

CHUNK = 1 << 20


class StreamWindow:
    """Holds the unread part of a stream; ``fill`` reads more, dropping what was consumed."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.text = ""
        self.pos = 0
        self.line = 1
        self.eof = False

    def fill(self) -> bool:
        """Read more text, dropping what was consumed; False at end of file."""
        if self.eof:
            return False
        chunk = self.stream.read(max(CHUNK, len(self.text) - self.pos))
        if not chunk:
            self.eof = True
            return False
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        return True
