"""The fixed records of every world, whatever its seed: the keys, tokens and ids that the docs, the tests and the
conformance kit name. No third-party import, so the kit reads them without loading the generator."""

from __future__ import annotations

DEMO_WORKSPACE = "ws_demo"
AGENCY_WORKSPACE = "ws_agency"
STARTER_WORKSPACE = "ws_starter"
REVOKED_WORKSPACE = "ws_revoked"
OTHER_WORKSPACE = "ws_other"

API_KEYS = {
    "demo": "klyr_live_abc123def456ghi789",
    "agency": "klyr_live_agency2bigworkspace01",
    "starter": "klyr_live_starterplan000000001",
    "revoked": "klyr_live_revokedkey0000000001",
    "other": "klyr_test_otherworkspace00001",
}

ACME_BUSINESS_ID = "1234567890"
AGENCY_BUSINESS_ID = "1029384756"
OTHER_AGENCY_BUSINESS_ID = "5550001111"

GRAPH_TOKENS = {
    "agency": "EAAGagency0valid0token",
    "expired": "EAAGagency0expired0token",
    "no_permission": "EAAGagency0noperm0token",
    "other_agency": "EAAGother0agency0token",
}

# The seed page's two doc accounts: Acme Corporation's, client accounts of the agency, in ws_demo.
DOC_AD_ACCOUNTS = ("act_123456789", "act_987654321")

# POST /{AGENCY_BUSINESS_ID}/client_ad_accounts: the ad account that gives each outcome (keys are example names).
POST_OUTCOMES = {
    "graph_3946": "act_300000000001",  # owned by the agency itself
    "graph_3945": "act_300000000002",  # its owner has a pending ownership request on it
    "confirmed": "act_300000000003",  # owner does not require approval, not yet a client
    "pending": "act_300000000004",  # owner requires approval, not yet a client
    "graph_3989": "act_123456789",  # already a client account of the agency
}
# A second ad account a POST adds at once (CONFIRMED, like `confirmed`; same owner), not yet a client: the conformance
# kit's batch probe (graph.batch.write_then_read) adds it, so that no write probe needs another's fresh account.
BATCH_POST_ACCOUNT = "act_300000000005"
