"""REDCap: the data dictionary (18 columns), the flat records export and the read-only API subset."""
