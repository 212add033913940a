"""The OpenAPI document central serves describes every endpoint and the wire models."""

from __future__ import annotations

from tests.patience import PATIENCE_S

EXPECTED = {
    ("/v1/health", "get"): "Health",
    ("/v1/bills/lookup", "post"): "BillLookupResponse",
    ("/v1/bill-payments", "post"): "BillPaymentAck",
    ("/v1/bill-payments/{reference}", "get"): "PaymentOut",
    ("/v1/outbox", "post"): "OutboxBatchOut",
    ("/v1/admin/payments", "get"): "PaymentList",
    ("/v1/admin/billers/{biller_id}/maintenance", "post"): "BillerOut",
    ("/v1/tax/identify", "post"): "TaxIdentifyResponse",
    ("/v1/tax/resend", "post"): "TaxIdentifyResponse",
    ("/v1/tax/verify", "post"): "TaxVerifyResponse",
    ("/v1/tax/records", "post"): "TaxRecordOut",
    ("/v1/addresses", "get"): "AddressNodeOut",  # a list of them
    ("/v1/addresses/{room_id}", "get"): "AddressOut",
    ("/v1/companies/{uscc}", "get"): "CompanyOut",
    ("/v1/stay-registrations", "post"): "StayRegistrationAck",
    ("/v1/arbitration-applications", "post"): "ArbitrationApplicationAck",
    ("/v1/verify/{code}", "get"): "VerificationOut",
    ("/v1/demo/sms", "get"): "DemoSmsOut",
    ("/v1/demo/barcodes", "get"): "DemoBarcodeList",
    ("/v1/heartbeats", "post"): "HeartbeatAck",
    ("/v1/admin/fleet", "get"): "FleetOut",
    ("/v1/admin/config/pushes", "post"): "RolloutOut",
    ("/v1/admin/config/version", "get"): "ConfigVersionOut",
    ("/v1/admin/rollouts", "get"): "RolloutList",
    ("/v1/admin/rollouts/{rollout_id}", "get"): "RolloutOut",
    ("/v1/admin/rollouts/all", "get"): "RolloutSummaryList",
    ("/v1/admin/rollouts/{kind}/{rollout_id}", "get"): "RolloutDetailOut",
    ("/v1/admin/rollouts/{kind}/{rollout_id}/pause", "post"): "RolloutDetailOut",
    ("/v1/admin/rollouts/{kind}/{rollout_id}/resume", "post"): "RolloutDetailOut",
    ("/v1/admin/rollouts/{kind}/{rollout_id}/cancel", "post"): "RolloutDetailOut",
    ("/v1/admin/rollouts/{kind}/{rollout_id}/retry", "post"): "RolloutDetailOut",
    ("/v1/config", "get"): "SignedBundle",
    ("/v1/config/reports", "post"): "ConfigReportAck",
    ("/v1/admin/enrollments", "post"): "EnrollmentOut",
    ("/v1/enroll", "post"): "EnrollResponse",
    ("/v1/credential", "get"): "CredentialOut",
    ("/v1/credential/rotate", "post"): "CredentialRotated",
    ("/v1/admin/tokens", "get"): "AdminTokenList",
    ("/v1/admin/tokens/{token_id}/revoke", "post"): "AdminTokenOut",
    ("/v1/admin/kiosks/{kiosk_id}/revoke", "post"): "KioskRevokedOut",
    ("/v1/admin/alerts", "get"): "AlertList",
    ("/v1/admin/kiosks/{kiosk_id}/maintenance", "post"): "KioskMaintenanceOut",
    ("/v1/admin/maintenance", "get"): "KioskMaintenanceList",
    ("/v1/admin/releases", "post"): "ReleaseOut",
    ("/v1/admin/releases/{version}", "get"): "ReleaseOut",
    ("/v1/admin/releases/{version}/files/{name}", "put"): "ReleaseOut",
    ("/v1/admin/releases/{version}/rollouts", "post"): "ReleaseRolloutOut",
    ("/v1/admin/release-rollouts/latest", "get"): "ReleaseRolloutOut",
    ("/v1/admin/release-rollouts/{rollout_id}", "get"): "ReleaseRolloutOut",
    ("/v1/release", "get"): "SignedRelease",
    ("/v1/release/reports", "post"): "ReleaseReportAck",
    ("/v1/qr-providers", "get"): "QrProviders",
    ("/v1/qr-orders", "post"): "QrOrder",
    ("/v1/qr-orders/{order_id}", "get"): "QrOrder",
    ("/v1/qr-orders/{order_id}/close", "post"): "QrOrder",
    ("/v1/qr-orders/{order_id}/refund", "post"): "QrOrder",
    ("/v1/admin/qr-review", "get"): "QrReviewOut",
    ("/v1/admin/qr-reconciliations", "post"): "QrReconcileOut",
    ("/v1/admin/audit/events", "get"): "AuditPage",
    ("/v1/admin/audit/verify", "get"): "AuditVerifyOut",
}
# Endpoints answering bytes, not a wire model: a release's wheel.
BINARY = {("/v1/release/{version}/files/{name}", "get")}
# Endpoints answering files as text: the audit trail's export (CSV or JSON lines).
EXPORTS = {("/v1/admin/audit/export", "get")}
# Endpoints answering as a payment provider wants (its own text: "success", "ok").
PROVIDER_ANSWERS = {("/v1/qrpay/notify/{provider}", "post")}


def test_openapi_lists_every_endpoint_with_its_response_model(http, central_url):
    """GIVEN a running central
    WHEN /openapi.json is fetched
    THEN it lists exactly the expected endpoints, each answering its wire model."""
    spec = http.get(f"{central_url}/openapi.json", timeout=PATIENCE_S).json()
    found = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert found == set(EXPECTED) | BINARY | PROVIDER_ANSWERS | EXPORTS
    for path, method in EXPORTS:
        assert set(spec["paths"][path][method]["responses"]["200"]["content"]) == {
            "text/csv", "application/x-ndjson"}
    for path, method in PROVIDER_ANSWERS:
        for status, answer in spec["paths"][path][method]["responses"].items():
            if status.startswith(("4", "5")):
                assert answer["content"]["application/json"]["schema"]["$ref"] \
                    .endswith("/ErrorBody"), (path, method, status)
    for path, method in BINARY:
        assert "application/octet-stream" in \
            spec["paths"][path][method]["responses"]["200"]["content"]
    for (path, method), model in EXPECTED.items():
        responses = spec["paths"][path][method]["responses"]
        ok = responses.get("201") or responses.get("200")
        schema = ok["content"]["application/json"]["schema"]
        schema = schema.get("items", schema)  # a list answers an array of the model
        assert schema["$ref"].endswith(f"/{model}")
        for status, answer in responses.items():  # every error is an ErrorBody
            if status.startswith(("4", "5")):
                assert answer["content"]["application/json"]["schema"]["$ref"] \
                    .endswith("/ErrorBody"), (path, method, status)


def test_openapi_documents_headers_and_error_bodies(http, central_url):
    """GIVEN the OpenAPI document
    WHEN the kiosk endpoints are inspected
    THEN the context headers and Idempotency-Key are parameters and errors are ErrorBody."""
    spec = http.get(f"{central_url}/openapi.json", timeout=PATIENCE_S).json()
    lookup = spec["paths"]["/v1/bills/lookup"]["post"]
    headers = {p["name"]: p["required"] for p in lookup["parameters"] if p["in"] == "header"}
    assert headers == {"X-Kiosk-Id": False, "X-Session-Id": False, "X-Lang": False,
                       "X-Timestamp": False}
    assert lookup["responses"]["409"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/ErrorBody")
    payment = spec["paths"]["/v1/bill-payments"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" and p["required"]
               for p in payment["parameters"])
    assert "BillPaymentRecord" in spec["components"]["schemas"]
    for model in ("StayRegistrationRecord", "ArbitrationApplicationRecord", "OutboxRecordIn"):
        assert model in spec["components"]["schemas"]
    for path in ("/v1/stay-registrations", "/v1/arbitration-applications"):
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" and p["required"]
                   for p in spec["paths"][path]["post"]["parameters"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # 422 is ErrorBody too
