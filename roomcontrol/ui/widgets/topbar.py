"""The top bar: room, clock, who is signed in (and Lock), device health, sync state, settings for admins."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from roomcontrol.domain.wording import DEVICE_LABELS
from roomcontrol.ui import format as F
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.sync.live_client import DISABLED as STATION_DISABLED, NOT_REACHED as STATION_NOT_REACHED

DOT = {"ok": theme.OK, "warn": theme.WARN, "bad": theme.DANGER, None: theme.FAINT}


class TopBar(QWidget):
    settings = Signal()

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        row = QHBoxLayout(self)
        row.setContentsMargins(theme.px(16, scale), 6, theme.px(10, scale), 6)
        row.setSpacing(theme.px(18, scale))
        self.room = QLabel(controller.config.room_name)
        self.room.setStyleSheet(f"font-size: {theme.px(22, scale)}px; font-weight: 600;")
        self.clock = QLabel("--:--")
        self.clock.setStyleSheet(f"font-size: {theme.px(22, scale)}px; color: {theme.DIM};")
        self.devices = QLabel("")
        self.devices.setTextFormat(Qt.TextFormat.RichText)
        self.sync = QLabel("")
        self.sync.setObjectName("dim")
        self.backup = QLabel("Backup failed")  # a technical notice: shown until a nightly backup succeeds
        self.backup.setObjectName("backup")
        self.backup.setStyleSheet(f"color: {theme.WARN}; font-weight: 600;")
        self.backup.hide()
        # The live channel to the clinic station, only while it is down: calm words, not an alarm (the room goes
        # on alarming here; what is missing is the central view of it).
        self.station = QLabel("")
        self.station.setStyleSheet(f"color: {theme.WARN};")
        self.station.setVisible(False)
        self.who = QLabel("")
        self.settings_button = button("Settings", self.settings.emit, kind="quiet", name="settings")
        self.lock_button = button("Lock", lambda: controller.lock("locked by hand"), name="lock")
        row.addWidget(self.room)
        row.addWidget(self.clock)
        row.addStretch(1)
        row.addWidget(self.devices)
        row.addWidget(self.sync)
        row.addWidget(self.backup)
        row.addWidget(self.station)
        row.addWidget(self.who)
        row.addWidget(self.settings_button)
        row.addWidget(self.lock_button)
        controller.snapshot.connect(self.show_snapshot)
        controller.staff_changed.connect(self.show_staff)
        self.show_staff(controller.staff)

    def show_staff(self, staff: dict[str, str] | None) -> None:
        self.who.setText(f"{staff['name']}  ·  {staff['role']}" if staff else "")
        self.settings_button.setVisible(bool(staff and staff.get("role") == "admin"))

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        self.clock.setText(F.clock(snap.now))
        parts = []
        for device, label in DEVICE_LABELS.items():
            health = snap.devices.get(device)
            word, level = F.HEALTH.get(health, (health or "—", None))
            title = label if level == "ok" else f"{label} {word}"
            parts.append(f"<span style='color:{DOT[level]}'>●</span>&nbsp;{title}")
        html = "&nbsp;&nbsp;&nbsp;".join(parts)
        if self.devices.text() != html:
            self.devices.setText(html)
        text, detail = self._sync_text(snap)
        self.sync.setText(text)
        self.sync.setToolTip(detail)
        failure = self.controller.backup_failure() if self.controller.backup_failure else None
        self.backup.setVisible(bool(failure))
        self.backup.setToolTip(f"The nightly backup failed: {failure}" if failure else "")
        self._show_station()

    def _show_station(self) -> None:
        """ "Station not reached" while [station] is on and the channel is down (its reason in the tooltip);
        nothing while connected, connecting or off."""
        provider = self.controller.station_status
        status = provider() if provider is not None else STATION_DISABLED
        down = status.startswith(STATION_NOT_REACHED)
        if down:
            self.station.setText("○ Station not reached")
            self.station.setToolTip(status.partition(": ")[2])
        self.station.setVisible(down)

    def _sync_text(self, snap: RoomSnapshot) -> tuple[str, str]:
        """The sync headline (waiting, next try, refusal or quarantine with its reason) and, for the tooltip, the
        full error and quarantine reason the headline shortens."""
        provider = self.controller.sync_status
        if provider is None:
            return ("Sync on" if self.controller.config.sync.enabled else "Sync off"), ""
        try:
            status = provider()
            detail = "\n".join(x for x in (status.last_error, status.quarantine_reason and
                                            f"Quarantined at the hub: {status.quarantine_reason}") if x)
            return status.headline(snap.now), detail
        except Exception as exc:  # the screen shows it rather than freezing or hiding it
            return f"Sync: {exc}", ""
