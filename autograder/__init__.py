"""Release building and grading for the course, on top of nbgrader (CLI: ``python -m autograder``)."""
