"""Demonstration data for the pilot provinces, built from ``demo/data/*.yaml``.

The YAML files are the content (agencies, the requirement plan, datasets and
how their files look); ``demo.builder`` turns them into the dictionaries that
CKAN actions take, and the files into bytes (``tables``). An agency may also bring
its catalogue as the national GDC metadata workbook,
``data/workbooks/<organization>.xlsx`` (made by ``demo.workbook``), which the
loader imports into that organization. Nothing here talks to CKAN:
``demo.loader`` does, and ``ckan provincial demo load`` runs it.

Every title carries the demonstration marker (``(ข้อมูลสาธิต)``) and every
description the note "Demonstration data — not official statistics".
Dates are relative to the day of loading (``today``), so the demo keeps the
same mix of fresh and stale data whenever it is loaded.
"""
