"""Checks of resource contents (the data itself, not its metadata).

``encoding`` finds the character set of a text table (Thai government files
come in UTF-8, UTF-8 with BOM and TIS-620/cp874); ``content`` checks a table
with the Frictionless framework and returns a report; ``messages`` turns a
report's error codes into sentences for people. These three are plain Python,
testable without CKAN. ``jobs`` (the background job) and ``hooks`` (when to run
it) are the CKAN side. (Form fields are checked elsewhere, by ``validators/``.)
"""
