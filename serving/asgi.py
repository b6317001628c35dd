"""`uvicorn serving.asgi:app`: the app each worker process builds when `benchcrm serve --workers N` (or any process
manager) runs several. `benchcrm serve` hands its `--no-dispatcher` choice over in BENCHCRM_SERVE_DISPATCHER, since
uvicorn's workers import this module rather than receive arguments."""

import os

from serving.main import create_app
from serving.observability import configure_logging

configure_logging()  # each worker is a fresh interpreter: without this its logs (access, warm start) are lost
app = create_app(start_dispatcher=os.environ.get("BENCHCRM_SERVE_DISPATCHER", "1") != "0", start_snapshot_writer=True)
