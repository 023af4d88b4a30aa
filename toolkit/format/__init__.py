"""The report formats as data: loaded from ``templates/``, laid out on a workbook, summed, stamped."""
