"""The only package that speaks SQL: the event log, vitals, sync cursor and migrations."""
