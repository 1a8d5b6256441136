"""Progress bars for management commands, written through the command's own stderr."""

from __future__ import annotations

from django.core.management.base import OutputWrapper


class ProgressStream:
    """A file for tqdm writing through a command's stderr, without the added newlines."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
