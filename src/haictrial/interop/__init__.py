"""Exchange with outside systems: CDISC SDTM and Define-XML, ODM 1.3.2, REDCap, ClinicalTrials.gov results,
FHIR R4B import, and pre-screening whole populations (the protocol's criteria compiled to ibis expressions).

Each subpackage reads the core's typed models and the protocol; none imports the EDC (Django) directly:
the EDC and the CLI hand them the data.
"""
