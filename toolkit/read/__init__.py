"""Reading what units send and publish: workbooks and reports -> Submissions of cell values."""
