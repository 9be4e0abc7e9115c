"""The pure troubleshooting engine: LED descriptions, SOS codes and doctor findings from facts.

Modules: :mod:`.led` (descriptions -> candidate states), :mod:`.sos` (panic codes), :mod:`.engine` (facts ->
ranked findings), :mod:`.animation` (LED frames over time), :mod:`.report` (plain dicts for JSON output).
Nothing here does I/O; the knowledge comes from :func:`particle_diag.knowledge.load`.
"""
