"""Custom Keras 3 layers of the course, one per module."""
