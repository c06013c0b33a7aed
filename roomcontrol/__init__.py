"""RoomControl: the application that runs one treatment room of an outpatient IV-ketamine clinic."""

__version__ = "0.1.0"
