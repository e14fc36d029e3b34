"""Reading the tables agencies publish (CSV, XLSX, XLS) and typing their columns.

Pure modules, no CKAN import: ``headers`` makes DataStore column ids from
headers, ``types`` holds the rules that type a whole column, ``text`` reads
delimited text files and ``workbook`` spreadsheets as agencies lay them out.
"""
