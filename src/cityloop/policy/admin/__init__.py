"""The administrators' policy editor: counts per policy, criteria edits through the import, preview, re-match."""
