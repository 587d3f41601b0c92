"""Old name of the reader, kept for existing notebooks: use ``import pactsim`` (pactsim.io)."""
from pactsim.io import *  # noqa: F401,F403
from pactsim.io import __all__  # noqa: F401
