"""Errors of the store, with messages an installer or nurse can act on."""


class StoreError(Exception):
    """The database cannot be opened or written; the message says what and why."""


class DiskFull(StoreError):
    """The disk (or the database's quota) is full: the room must raise an alarm, not crash."""
