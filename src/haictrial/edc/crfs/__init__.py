"""The eCRFs of the trial's course: one audited, versioned record per form instance whose
payload is the core's validated pydantic model (:mod:`haictrial.clinical.crf_models`)."""
