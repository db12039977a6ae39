"""ClinicalTrials.gov results: the v2 ``resultsSection`` built from the report's results, and its checks."""
