"""Who may write: the bearer token (RAG_API_TOKEN) that uploads, deletes, renames and ingest jobs need,
and the error shapes every router documents."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from ui.schemas import ErrorOut
from ui.service import ServiceDep

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 404, 413, 422, 429, 500, 502, 503)
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {**ERRORS, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}}

bearer = HTTPBearer(auto_error=False, description="The server's RAG_API_TOKEN; enables uploads and deletes.")


def require_token(
    service: ServiceDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """Writes need RAG_API_TOKEN set on the server and sent as `Authorization: Bearer <token>`."""
    token = service.settings.api_token
    if token is None:
        raise HTTPException(403, "uploads are disabled; set RAG_API_TOKEN to enable")
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        raise HTTPException(
            401,
            "missing or wrong API token; send Authorization: Bearer <RAG_API_TOKEN>",
            headers={"WWW-Authenticate": 'Bearer realm="newsrag"'},
        )


TokenDep = Depends(require_token)
