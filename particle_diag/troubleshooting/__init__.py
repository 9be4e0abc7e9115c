"""Troubleshooting workflows: what `pdiag doctor` observes and the guided `pdiag troubleshoot` session."""
