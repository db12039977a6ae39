"""FHIR R4B import: a screening document from a Bundle (docs/fhir-mapping.md)."""
