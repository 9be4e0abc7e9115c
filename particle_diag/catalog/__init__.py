"""Layer 0: facts as data (platforms, capabilities, request types, result codes, memory regions, timeouts).

Nothing here imports any other layer of pdiag except ``particle_diag.errors``; every other package imports
from here.  Each table cites its source next to it.
"""
