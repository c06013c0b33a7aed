"""Errors every driver shares."""


class DeviceOpenError(Exception):
    """A port, socket or file could not be opened. str() is one line an installer can act on."""
