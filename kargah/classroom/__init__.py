"""The live class: BigBlueButton rooms, joining, presence and recordings (issue 10)."""
