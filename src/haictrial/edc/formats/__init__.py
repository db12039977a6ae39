"""One date format per language on every page: ISO 8601 (``2026-10-25``, ``2026-10-25 14:30``).

Django's own locale formats write "Oct. 25, 2026" (en) and "2026年10月25日" (zh-Hans), and the Chinese
locale puts ``%Y/%m/%d`` first among its input formats, which an ``<input type="date">`` cannot show
(the HTML date input's value is always ``yyyy-mm-dd``). ``FORMAT_MODULE_PATH`` points Django here, so
``{{ date }}``, ``|date`` without an argument and the form widgets all use the ISO formats below.

References
----------
- ISO 8601-1:2019, 5.2.2 (calendar date, extended format ``YYYY-MM-DD``) and 5.4.2 (date and time).
- HTML Living Standard, 4.10.5.1.7 "Date state (type=date)": the value is a valid date string (yyyy-mm-dd).
- Django documentation, "Format localization": ``FORMAT_MODULE_PATH`` and the ``<lang>/formats.py`` modules.
"""
