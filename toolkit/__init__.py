"""xltool: the standard workbook, checks and county summary for the annual report on open government information."""

__version__ = "0.1.0"
