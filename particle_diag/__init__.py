"""pdiag: diagnose Particle IoT devices plugged in over USB."""

__version__ = "0.1.0"
