"""A room process that only syncs, for the kill tests: python -m tests.sync.pusher_child DB ROOM URL TOKEN BATCH."""

import sys
import threading

from roomcontrol.sync.pusher import SyncPusher

if __name__ == "__main__":
    db, room, url, token, batch = sys.argv[1:6]
    SyncPusher(db, room, url, token, batch_size=int(batch), interval_s=0.05, backoff_base_s=0.02,
               backoff_max_s=0.2, timeout_s=5).start()
    print("started", flush=True)
    threading.Event().wait()
