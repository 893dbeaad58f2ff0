"""ipywidgets 8 controls of the course, one explorer per module."""
