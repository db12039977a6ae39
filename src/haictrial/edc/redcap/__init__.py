"""The read-only REDCap API subset at ``/redcap/api/`` (docs/contracts/interop.md), for REDCap clients (PyCap, REDCapR)."""
