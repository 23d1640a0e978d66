"""A contract-first mock of the KlayrAI Accounts API and the Meta Graph client_ad_accounts edge."""
