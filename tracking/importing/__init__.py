"""Bulk import and export of SSI data.

``parser.parse`` reads a file (a per-day CSV, a Sales Navigator usage report,
or the raw JSON LinkedIn's SSI page loads) into validated rows, through one
module per job (``sniff``, ``headers``, ``cells``) and one per format
(``per_day``, ``sales_navigator``, ``linkedin_json``); ``writer`` stores them in
one transaction (``staging``, ``direct``, ``copy_layout``) and ``undo`` takes an
import back; ``export`` writes the CSV that re-imports unchanged. The import and
export commands, the web upload and the API all go through these, so they
accept and refuse the same things.
"""
