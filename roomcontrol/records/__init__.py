"""The session record (issue 7): what the log says happened in one closed session, as a chart-ready record.

`model.build_record` is a pure fold over the session's events and vitals rows; `loader` reads them through the
store; `fhir` turns a record into an R4 transaction Bundle; `csvout` writes the clinic's own CSV files; the PDF
is drawn with Qt in `roomcontrol.ui.report`. `commands` holds the CLI-ready entry points.
"""
