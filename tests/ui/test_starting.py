"""The first frame: the starting frame is on screen before the room is assembled, and gone once its window is."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from roomcontrol.ui.starting import FRAME_NAME, close_starting, show_starting


def _starting_frames() -> list:
    return [w for w in QApplication.topLevelWidgets() if w.objectName() == FRAME_NAME and w.isVisible()]


def test_the_starting_frame_names_the_room_and_goes_when_the_room_is_up(qtbot):
    frame = show_starting("Room 3")
    qtbot.addWidget(frame)
    assert frame.isVisible() and "Room 3" in frame.text() and "starting" in frame.text()
    assert _starting_frames() == [frame]
    close_starting()
    assert _starting_frames() == []
    close_starting()  # nothing shown: nothing to do
