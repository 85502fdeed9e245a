"""MCF portal core: the factory, configuration, clock, money, events and the contexts."""
