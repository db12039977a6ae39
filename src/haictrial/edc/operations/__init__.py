"""Trial operations: protocol deviations, the SAE desk, the record status dashboard and e-mail notifications."""
