"""The course's networks, one family per module, assembled from Keras 3 layers, with the trainers of the shipped
weights (each trainer's sizes in its `Plan`)."""
