"""Data management of the eCRFs: queries (from the edit checks and from monitors), source
data verification, the investigator's electronic signature and the locking it brings."""
