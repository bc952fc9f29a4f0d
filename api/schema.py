"""The errors every operation may answer, added to the OpenAPI schema (a drf-spectacular postprocessing
hook), so that a client, and schemathesis in CI, can hold every response to the schema, errors included."""

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A refused parameter: {"days": ["Ensure this value is greater than or equal to 1."]}
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
ERRORS = {
    "400": ("A parameter was refused: each refused parameter named with what is wrong (or, for a request no "
            "parameter could take, such as one holding a NUL byte, a `detail`).", "Refused"),
    "401": ("No valid token (missing, unknown, expired or revoked) and no session.", "Detail"),
    "404": ("No such record among those the token may read, or an invalid cursor.", "Detail"),
    "429": ("Too many requests for this token; the Retry-After header says when to try again.", "Detail"),
}
# What only a change may answer.
CHANGE_ERRORS = {
    "403": ("The token's user may read this record but not change it.", "Detail"),
    "412": ("The record changed since the ETag given in If-Match: read it again.", "Detail"),
    "415": ("The body is not JSON (or a form).", "Detail"),
}
# What only a step of a workflow (a POST) may answer.
STEP_ERRORS = {
    "409": ("The record's state does not allow this step (an agreement already answered, say): read it again.",
            "Detail"),
}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Detail"] = DETAIL
    components["FieldErrors"] = FIELD_ERRORS
    components["Refused"] = {"anyOf": [{"$ref": "#/components/schemas/FieldErrors"},
                                       {"$ref": "#/components/schemas/Detail"}]}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            errors = {**ERRORS, **(CHANGE_ERRORS if method in {"patch", "put", "post", "delete"} else {}),
                      **(STEP_ERRORS if method == "post" else {})}
            for status, (description, schema) in errors.items():
                responses.setdefault(status, {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
                })
    return result
