"""The OpenAPI document, built from the declared operations and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from web.api.routing import Operation

_PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
REF = "#/components/schemas/{model}"


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _parameters(op: Operation, components: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
        for name in _PATH_PARAM.findall(op.path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        components.update(schema.pop("$defs", {}))
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    return params


def build(operations: list[Operation], *, title: str, version: str) -> dict[str, Any]:
    """An OpenAPI 3.1 document for ``operations``."""
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {}
    for op in operations:
        path = _PATH_PARAM.sub(r"{\1}", op.path)
        entry: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": f"{op.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}",
            "parameters": _parameters(op, components),
            "responses": {str(op.status): {"description": "success"}},
        }
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": _schema(op.body, components)}}}
            entry["responses"]["422"] = {"description": "invalid fields", "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
        if not op.public:
            entry["security"] = [{"cookie": []}, {"bearer": []}]
            entry["responses"]["401"] = {"description": "not authenticated"}
            entry["responses"]["403"] = {"description": "forbidden for this role"}
        for status, text in op.responses.items():
            entry["responses"][str(status)] = {"description": text}
        paths.setdefault(path, {})[op.method.lower()] = entry
    components["Error"] = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "stable error id"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "cookie": {"type": "apiKey", "in": "cookie", "name": "cc_session"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
