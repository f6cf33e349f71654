"""Settings: base.py reads the environment; test.py tightens it for the test suite."""
