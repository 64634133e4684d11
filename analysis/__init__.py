"""Statistics, cross-simulator comparison and plots for pynn_hpc results."""
