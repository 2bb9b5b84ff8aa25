"""Developer tools that are not shipped with tilaapp: fixture writers for tests and demos."""
