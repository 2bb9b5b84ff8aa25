"""Command line: subcommands over the services; with no subcommand, the desktop application."""
