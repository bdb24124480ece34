"""Progress bars draw on a terminal only."""

from __future__ import annotations

import io

import pytest

from orchestration import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_drawn_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    with progress.progress_bar("loading landing files", 3) as advance:
        for _ in range(3):
            advance()
    assert stream.getvalue() == ""


def test_a_terminal_gets_a_bar_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.delenv("MICROCONV_NO_PROGRESS", raising=False)
    assert progress.interactive()
    with progress.progress_bar("loading landing files", 3) as advance:
        for _ in range(3):
            advance()
    assert "loading landing files" in terminal.getvalue()
    assert "3/3" in terminal.getvalue()
    monkeypatch.setenv("MICROCONV_NO_PROGRESS", "1")
    assert not progress.interactive()
