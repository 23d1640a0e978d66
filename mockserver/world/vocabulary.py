"""What generated records are drawn from, with the weights of each choice: statuses, permissions and tasks,
currencies with their zones and exchange rates, and the words business names are made of. Data only."""

from __future__ import annotations

CONNECTION_STATUSES = ("active", "disconnected", "token_expired")
CONNECTION_WEIGHTS = (80, 12, 8)
# Meta account_status codes (KlayrAI's `status` derives from them: mockserver/apis/klayrai/accounts.py).
ACCOUNT_STATUSES = (1, 2, 3, 7, 8, 9, 100, 101)
ACCOUNT_STATUS_WEIGHTS = (80, 3, 3, 2, 2, 3, 2, 5)
# disable_reason is non-zero exactly for DISABLED (policy, payment, review) and CLOSED (closure reasons).
DISABLE_REASONS = {2: (1, 1, 2, 3, 3, 4, 5, 6), 101: (7, 7, 8, 9, 9, 1, 3)}
STOPPED_CODES = (2, 100, 101)  # no ad can run: no active campaigns
DUE_CODES = (3, 8, 9)  # unsettled, pending settlement, grace period: a balance is due

PERMISSIONS = ("read_insights", "read_campaigns", "read_ads", "read_audiences", "manage_campaigns")
PERMISSION_SETS: tuple[tuple[str, ...], ...] = (
    ("read_insights", "read_campaigns", "read_ads"),
    PERMISSIONS,
    ("read_insights",),
    ("read_insights", "read_campaigns", "read_ads", "read_audiences"),
    ("read_insights", "read_campaigns"),
    ("read_insights", "read_campaigns", "read_ads", "manage_campaigns"),
)
PERMISSION_WEIGHTS = (55, 12, 10, 11, 6, 6)

TASKS = ("MANAGE", "ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE", "CREATIVE")
DEFAULT_TASKS = ("ADVERTISE", "ANALYZE")
TASK_SETS: tuple[tuple[str, ...], ...] = (
    DEFAULT_TASKS,
    ("MANAGE", "ADVERTISE", "ANALYZE"),
    ("ANALYZE",),
    ("ADVERTISE", "ANALYZE", "CREATIVE"),
    ("ANALYZE", "AA_ANALYZE"),
    ("ADVERTISE", "ANALYZE", "DRAFT", "CREATIVE"),
    TASKS,
)
TASK_WEIGHTS = (60, 15, 8, 6, 4, 4, 3)

# Each currency with the zones its advertisers use (the pair must agree), and its share of generated accounts.
CURRENCY_ZONES: dict[str, tuple[str, ...]] = {
    "USD": ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix"),
    "EUR": (
        "Europe/Amsterdam",
        "Europe/Berlin",
        "Europe/Paris",
        "Europe/Madrid",
        "Europe/Rome",
        "Europe/Dublin",
        "Europe/Brussels",
        "Europe/Vienna",
        "Europe/Lisbon",
        "Europe/Helsinki",
    ),
    "GBP": ("Europe/London",),
    "CAD": ("America/Toronto", "America/Vancouver"),
    "AUD": ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Perth"),
    "BRL": ("America/Sao_Paulo",),
    "INR": ("Asia/Kolkata",),
    "JPY": ("Asia/Tokyo",),
    "MXN": ("America/Mexico_City",),
    "SEK": ("Europe/Stockholm",),
    "CHF": ("Europe/Zurich",),
    "PLN": ("Europe/Warsaw",),
    "SGD": ("Asia/Singapore",),
    "NZD": ("Pacific/Auckland",),
    "KRW": ("Asia/Seoul",),
}
CURRENCIES = tuple(CURRENCY_ZONES)
CURRENCY_WEIGHTS = (30, 24, 10, 5, 5, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1)
# Units per US dollar (rough), so spend looks plausible in every currency.
USD_RATES = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "CAD": 1.36,
    "AUD": 1.52,
    "BRL": 5.0,
    "INR": 83.0,
    "JPY": 150.0,
    "MXN": 17.0,
    "SEK": 10.4,
    "CHF": 0.88,
    "PLN": 4.0,
    "SGD": 1.34,
    "NZD": 1.64,
    "KRW": 1330.0,
}
# Currencies without minor units (Meta's offset 1): amounts are whole and minor units equal major units.
ZERO_DECIMAL_CURRENCIES = ("JPY", "KRW")

# currency -> (decimals, minor units per major unit, units per USD)
MONEY = {c: (0, 1, r) if c in ZERO_DECIMAL_CURRENCIES else (2, 100, r) for c, r in USD_RATES.items()}

# Legal-entity suffixes by zone, so a Berlin advertiser is a GmbH and a Sydney one a Pty Ltd.
ZONE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "America/New_York": ("Inc.", "LLC", "Co."),
    "America/Chicago": ("Inc.", "LLC"),
    "America/Denver": ("Inc.", "LLC"),
    "America/Los_Angeles": ("Inc.", "LLC", "Co."),
    "America/Phoenix": ("Inc.", "LLC"),
    "Europe/Amsterdam": ("B.V.",),
    "Europe/Berlin": ("GmbH", "AG"),
    "Europe/Paris": ("SAS", "SARL"),
    "Europe/Madrid": ("S.L.", "S.A."),
    "Europe/Rome": ("S.r.l.", "S.p.A."),
    "Europe/Dublin": ("Ltd",),
    "Europe/Brussels": ("BV", "SRL"),
    "Europe/Vienna": ("GmbH",),
    "Europe/Lisbon": ("Lda",),
    "Europe/Helsinki": ("Oy",),
    "Europe/London": ("Ltd", "PLC"),
    "America/Toronto": ("Inc.", "Ltd."),
    "America/Vancouver": ("Inc.", "Ltd."),
    "Australia/Sydney": ("Pty Ltd",),
    "Australia/Melbourne": ("Pty Ltd",),
    "Australia/Brisbane": ("Pty Ltd",),
    "Australia/Perth": ("Pty Ltd",),
    "America/Sao_Paulo": ("Ltda.",),
    "Asia/Kolkata": ("Pvt. Ltd.",),
    "Asia/Tokyo": ("K.K.", "Co., Ltd."),
    "America/Mexico_City": ("S.A. de C.V.",),
    "Europe/Stockholm": ("AB",),
    "Europe/Zurich": ("AG", "GmbH"),
    "Europe/Warsaw": ("sp. z o.o.",),
    "Asia/Singapore": ("Pte. Ltd.",),
    "Pacific/Auckland": ("Ltd",),
    "Asia/Seoul": ("Co., Ltd.",),
}
INDUSTRIES = (
    "Outdoor",
    "Apparel",
    "Foods",
    "Coffee Roasters",
    "Cosmetics",
    "Home Goods",
    "Fitness",
    "Travel",
    "Pet Supplies",
    "Furniture",
    "Jewelry",
    "Electronics",
    "Wellness",
    "Footwear",
    "Toys",
    "Garden",
    "Bikes",
    "Skincare",
    "Realty",
    "Dental",
    "Motors",
    "Bakery",
    "Wines",
    "Sports",
    "Optics",
    "Logistics",
    "Insurance",
    "Learning",
    "Software",
    "Studios",
    "Candles",
    "Tea Co",
    "Surf",
    "Yoga",
    "Kitchenware",
    "Eyewear",
    "Books",
    "Baby",
    "Games",
    "Health",
    "Lighting",
    "Outfitters",
    "Ceramics",
    "Flowers",
    "Watches",
)
BRAND_WORDS = (
    "Northstar",
    "Bluebird",
    "Evergreen",
    "Summit",
    "Harbor",
    "Copper",
    "Silverline",
    "Red Oak",
    "Maple",
    "Lumen",
    "Atlas",
    "Brightside",
    "Cedar",
    "Golden Hour",
    "Wildflower",
    "Ironwood",
    "Seaside",
    "Urban",
    "Peak",
    "Nova",
    "Blue Fern",
    "Driftwood",
    "Juniper",
    "Kestrel",
    "Larkspur",
    "Meridian",
    "Oakline",
    "Pinecrest",
    "Saltwater",
    "Tidal",
)
# An account's purpose, with the currency a market account bills in (None: the business's own).
PURPOSES: tuple[tuple[str, str | None], ...] = (
    ("Retargeting", None),
    ("Prospecting", None),
    ("Brand Awareness", None),
    ("Lead Generation", None),
    ("App Installs", None),
    ("Catalog Sales", None),
    ("Seasonal", None),
    ("Testing", None),
    ("Video", None),
    ("Local Stores", None),
    ("Recruitment", None),
    ("Product Launches", None),
    ("E-commerce", None),
    ("Events", None),
    ("EU Market", "EUR"),
    ("US Market", "USD"),
    ("UK Market", "GBP"),
    ("Canada", "CAD"),
    ("Australia", "AUD"),
    ("Brazil", "BRL"),
    ("India", "INR"),
    ("Japan", "JPY"),
    ("Mexico", "MXN"),
)
ACCOUNTS_PER_BUSINESS = (1, 2, 3, 4, 5, 6)
ACCOUNTS_PER_BUSINESS_WEIGHTS = (15, 30, 25, 15, 10, 5)
AGENCY_SUFFIXES = (" Media", " Agency", " Digital Agency", " Media Group", " Marketing Agency")
FAKER_SUFFIXES = (" Inc", " LLC", " Ltd", " PLC", " Group", " and Sons")
AD_ACCOUNT_ID_LOWS = (10**8, 10**9, 10**11, 10**14, 10**14, 10**14)  # 9, 10, 12, 15, 15, 15 digits
USER_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
