"""The extraction service: FastAPI API, SQL storage and Celery (or local) job workers.

Entry points: `medxtract.service.api.app.create_app()`, `medxtract serve`, `medxtract worker`,
`medxtract db upgrade`.
"""
