"""HTTP entrypoints: the FastAPI app factory (``medaid.api.app.create_app``), authentication,
RBAC with township/department scope, the JSON API under ``/api/v1``."""
