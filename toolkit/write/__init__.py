"""Everything xltool writes: the standard workbook, annotated copies, exports, the county summary."""
