"""The mock's controls, which a real implementation has none of: Prefer, scenario files, the admin API and its guard."""
