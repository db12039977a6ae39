"""The web pages of the EDC (English and Simplified Chinese)."""
