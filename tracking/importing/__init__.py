"""Bulk import and export of SSI data.

``parser`` reads a file (per-day CSV, a Sales Navigator usage report, or the raw
JSON LinkedIn's SSI page loads) into validated rows; ``writer`` stores them in
one transaction and can undo an import; ``export`` writes the CSV that re-imports
unchanged. The import and export commands, the web upload and the API all go
through these three modules, so they accept and refuse the same things.
"""
