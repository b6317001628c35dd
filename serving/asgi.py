"""`uvicorn serving.asgi:app` (multi-worker serving builds the app in each worker process)."""

from serving.main import create_app

app = create_app(start_dispatcher=True)
