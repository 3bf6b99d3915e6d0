"""Loopback fakes of the external HTTP APIs Parley talks to (tests only)."""
