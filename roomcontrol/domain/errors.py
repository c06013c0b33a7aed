"""Errors the domain raises. Their message is what the nurse or installer reads: plain, specific, one line."""


class Refused(Exception):
    """A command the rules do not allow now. The message says why, in the nurse's words."""
