"""The REST API (django-ninja) of docs/contracts/server.md; OpenAPI at /api/openapi.json."""
