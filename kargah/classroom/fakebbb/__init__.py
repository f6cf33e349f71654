"""The BigBlueButton-compatible fake server (tests and the demo only; docs/classroom.md)."""
