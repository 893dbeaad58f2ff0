"""Data for the course: Fashion-MNIST from official files, and the small generated data sets."""
