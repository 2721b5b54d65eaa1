"""nnlib: the course's reference implementation of neural networks in numpy."""
