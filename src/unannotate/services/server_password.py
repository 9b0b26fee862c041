"""How a front end asks for a team server's password when the keyring has none: the command
line at the terminal, the window in a dialog."""

from __future__ import annotations

from ..storage.database import PasswordPrompt, set_password_prompt

__all__ = ["PasswordPrompt", "ask_password_with"]


def ask_password_with(prompt: PasswordPrompt | None) -> None:
    """From now on ``prompt(place)`` is asked for a server's password (None: nobody is)."""
    set_password_prompt(prompt)
