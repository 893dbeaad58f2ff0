"""Training: fitting with the run profile's budget (`fitting`) and the GAN trainings' home."""
