"""The analysis report in the web app: statisticians and admins build the trial's
de-identified report (:func:`haictrial.reports.build.build_report` over
:func:`haictrial.reports.from_database.from_database`) into ``HAICTRIAL_DATA_DIR/reports/<timestamp>/``
and read it back through role-checked views; each build is recorded (:class:`~.models.ReportBuild`)."""
