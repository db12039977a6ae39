"""How demo data is labelled (site names and patient names), so that pages can show a banner."""

DEMO_SITE_PREFIX = "[DEMO] "
DEMO_NAME_PREFIX = "DEMO "
