"""The Exports page: de-identified SDTM, ODM, REDCap and ClinicalTrials.gov packages built in the background."""
