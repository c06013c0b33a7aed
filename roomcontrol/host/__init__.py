"""The PC the room runs on: keeping it awake, starting the app at login and after a crash, and `doctor`'s checks.

What differs between Linux and Windows lives here (D-Bus or SetThreadExecutionState, a systemd unit or a
scheduled task); the rest of RoomControl does not ask which system it runs on.
"""
