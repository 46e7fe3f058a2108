"""Elections and their stages (the calendar), kept as data: every report and alert knows its stage."""
