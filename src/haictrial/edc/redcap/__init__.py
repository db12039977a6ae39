"""The read-only REDCap API subset at ``/redcap/api/`` (contracts/interop.md), for REDCap clients (PyCap, REDCapR)."""
