"""The parts of a lead package, one module each, found through :data:`base.package_parts`."""
