"""The REST API: a FastAPI front end over the same core services as the CLI
and the app, served by `iqcadence serve`.

`/api-inbound` speaks the reference product's action protocol (six actions,
an `x-api-key` header); `/v1/...` offers the same as resources. Routes parse,
call one core service and render; every rule lives in the core.
"""
