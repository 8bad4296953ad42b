"""skforecast_ntm.transformations."""
