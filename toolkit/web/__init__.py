"""`xltool serve`: the same work on a local web page, for those who never open a terminal.

A view over the library, as the CLI is: uploads are stored under the server's own temporary folder and go
through the same readers, checks and writers; the page shows what `api` returns.
"""
