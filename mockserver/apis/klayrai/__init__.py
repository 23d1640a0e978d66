"""The KlayrAI Accounts API: API-key auth, plan check, version header, filter and page math."""
