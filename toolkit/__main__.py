from toolkit.cli import entrypoint

entrypoint()
