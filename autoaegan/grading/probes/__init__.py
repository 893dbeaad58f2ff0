"""Probes: package code the checks call in the student's kernel, with the student's objects as arguments; they
return plain data."""
