"""The reference of bench/api.py: the same framework and server with one
route returning a constant JSON object, and nothing else."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import JSONResponse

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
BODY = {"customer": {"id": 1, "name": "Acme Corp", "score": 80.5, "band": "expansion"}}


@app.get("/ping")
async def ping() -> JSONResponse:
    return JSONResponse(BODY)
