"""Model builders: small, composable Keras 3 layers and functions, one family per module."""
