"""Reports with charts for the staff: enrolments, fill rate, quorum cancellations, money."""
