"""The checks `roomcontrol doctor` runs (host/doctor.py walks them in order), a module per family; each returns
Check results (result.py) and changes nothing in the room."""
