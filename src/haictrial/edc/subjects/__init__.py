"""Screening, enrolment and the subject record (status, identifiers, derived plans)."""
