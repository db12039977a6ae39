"""The REST API (django-ninja) of contracts/server.md; OpenAPI at /api/openapi.json."""
