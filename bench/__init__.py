"""The catalog benchmark (`make bench-catalog`): not part of the application or its tests."""
