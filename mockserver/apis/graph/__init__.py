"""The Meta Graph client_ad_accounts edge: the edge (list, create), batch, field expansion, reading, rendering."""
