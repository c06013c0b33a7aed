"""The clinic hub: FastAPI on uvicorn over SQLite (default) or PostgreSQL. Speaks SQL in `db.py` and `store.py`."""
