"""The Provincial Statistics Committee's report of one province: PDF and XLSX (docs/committee-report.md).

``collect`` gathers one dictionary of tables from the actions (the single
source of both files), ``pdf`` typesets it with WeasyPrint in the bundled
Sarabun font, ``xlsx`` writes the same tables one sheet each, ``publish``
stores both as new dated resources of the province's report dataset.
"""
