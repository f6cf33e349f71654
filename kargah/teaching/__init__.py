"""Teaching: attendance, conduct notes and the instructor's desk (issue 10, items 6 and 7)."""
