"""The OpenAPI document central serves describes every endpoint and the wire models."""

from __future__ import annotations

EXPECTED = {
    ("/v1/health", "get"): "Health",
    ("/v1/bills/lookup", "post"): "BillLookupResponse",
    ("/v1/bill-payments", "post"): "BillPaymentAck",
    ("/v1/bill-payments/{reference}", "get"): "PaymentOut",
    ("/v1/outbox", "post"): "OutboxBatchOut",
    ("/v1/admin/payments", "get"): "PaymentList",
    ("/v1/admin/billers/{biller_id}/maintenance", "post"): "BillerOut",
}


def test_openapi_lists_every_endpoint_with_its_response_model(http, central_url):
    """GIVEN a running central
    WHEN /openapi.json is fetched
    THEN it lists exactly the expected endpoints, each answering its wire model."""
    spec = http.get(f"{central_url}/openapi.json", timeout=5).json()
    found = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert found == set(EXPECTED)
    for (path, method), model in EXPECTED.items():
        responses = spec["paths"][path][method]["responses"]
        ok = responses.get("200") or responses.get("201")
        assert ok["content"]["application/json"]["schema"]["$ref"].endswith(f"/{model}")


def test_openapi_documents_headers_and_error_bodies(http, central_url):
    """GIVEN the OpenAPI document
    WHEN the kiosk endpoints are inspected
    THEN the context headers and Idempotency-Key are parameters and errors are ErrorBody."""
    spec = http.get(f"{central_url}/openapi.json", timeout=5).json()
    lookup = spec["paths"]["/v1/bills/lookup"]["post"]
    headers = {p["name"]: p["required"] for p in lookup["parameters"] if p["in"] == "header"}
    assert headers == {"X-Kiosk-Id": True, "X-Session-Id": False, "X-Lang": False,
                       "X-Timestamp": False}
    assert lookup["responses"]["409"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/ErrorBody")
    payment = spec["paths"]["/v1/bill-payments"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" and p["required"]
               for p in payment["parameters"])
    assert "BillPaymentRecord" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # 422 is ErrorBody too
