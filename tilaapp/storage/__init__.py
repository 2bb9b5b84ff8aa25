"""SQLite storage: typed models, engine set-up, migrations, backups."""
