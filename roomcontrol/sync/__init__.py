"""Offline-first sync: the room's outbox pusher (client) and the clinic hub (server, in `hub/`).

The pusher (`pusher.py`) needs only httpx and reads the room database through `roomcontrol.store.outbox`;
the hub (FastAPI, uvicorn, SQLite or PostgreSQL) is imported only by `hub serve` and its tests.
"""
