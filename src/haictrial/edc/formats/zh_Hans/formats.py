"""Simplified Chinese pages: ISO 8601 dates and times (haictrial.edc.formats)."""

from haictrial.edc.formats.iso import *  # noqa: F403 - the format settings Django reads by name
