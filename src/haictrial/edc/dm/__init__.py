"""Data management of the eCRFs (issue 7): queries (from the edit checks and from monitors), source
data verification, the investigator's electronic signature and the locking it brings."""
